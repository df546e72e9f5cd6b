import { describe, expect, it } from 'vitest';
import { attributeAgent } from '../../src/analyse/agents.js';
import { DEFAULT_CONFIG, parseConfig } from '../../src/config/index.js';
import type { Identity } from '../../src/model/domain.js';

const role = (name: string, tags: Record<string, string> = {}, path = '/'): Identity => ({
  provider: 'aws',
  arn: `arn:aws:iam::111111111111:role${path}${name}`,
  accountId: '111111111111',
  kind: 'role',
  name,
  tags,
});

const configured = parseConfig(
  `agents:
  tags: [{ key: agent, value: '*' }]
  names: ['*-agent', 'claude-*']
  arns: ['arn:aws:iam::*:role/agents/*']
`,
  'keywarden.yaml',
);

// userAgent strings as CloudTrail records them.
const UA = {
  awsCliV2:
    'aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0-1027-aws exe/x86_64.ubuntu.22 prompt/off command/s3.ls',
  awsCliV1:
    'aws-cli/1.32.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy botocore/1.34.69',
  s3Console: 'S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.750 Linux/5.10.219-186.866.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.412-b09 java/1.8.0_412 vendor/Oracle_Corporation cfg/retry-mode/standard',
  console: 'console.amazonaws.com',
  awsInternal: 'AWS Internal',
  cursorBrowser:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Cursor/0.42.3 Chrome/124.0.6367.243 Electron/30.5.1 Safari/537.36',
  boto3:
    'Boto3/1.34.34 md/Botocore#1.34.34 ua/2.0 os/linux#6.5.0-1014-aws md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.34',
  sdkJs: 'aws-sdk-js/3.540.0 ua/2.1 os/darwin#23.4.0 lang/js md/nodejs#20.12.0 api/s3#3.540.0 m/E',
  sdkGoV2:
    'aws-sdk-go-v2/1.32.3 os/linux lang/go#1.23.1 md/GOOS#linux md/GOARCH#amd64 exec-env/grimoire_095724e3-1fa0-4e3e-b68a-e8581d194380 api/sts#1.26.2',
  claudeCode: 'claude-code/1.0.51 (external, cli)',
  claudeViaSdk:
    'aws-sdk-js/3.723.0 ua/2.1 os/linux#6.8.0 lang/js md/nodejs#22.11.0 api/bedrock-runtime#3.723.0 m/E,N app/claude-code',
  cliWithAppId:
    'aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython app/claude-code cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#sts.get-caller-identity',
  terraform:
    'APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.44.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.1 os/linux lang/go#1.21.8 md/GOOS#linux md/GOARCH#amd64 api/iam#1.31.4',
  stratus: 'stratus-red-team_ea782787-a65d-4fc4-9fca-1c97869a9a25',
};

describe('attributeAgent: declared by the owner', () => {
  it('tags, names and ARNs each give a reason', () => {
    const result = attributeAgent(role('claude-code-agent', { agent: 'claude-code', team: 'platform' }, '/agents/'), [], configured);
    expect(result).toEqual({
      agent: true,
      reasons: [
        'tag agent=claude-code matches agent=*',
        'name claude-code-agent matches *-agent',
        'arn arn:aws:iam::111111111111:role/agents/claude-code-agent matches arn:aws:iam::*:role/agents/*',
      ],
    });
  });

  it('a role that matches nothing and made no calls is not an agent', () => {
    expect(attributeAgent(role('deploy', { team: 'platform' }), [], configured)).toEqual({ agent: false, reasons: [] });
    // Defaults declare no tags or names: nothing is an agent by name alone.
    expect(attributeAgent(role('claude-code-agent', { agent: 'yes' }), [], DEFAULT_CONFIG).agent).toBe(false);
  });
});

describe('attributeAgent: CloudTrail userAgents with the default patterns', () => {
  const attribute = (...uas: [string, number][]) =>
    attributeAgent(role('deploy'), uas.map(([userAgent, count]) => ({ userAgent, count })), DEFAULT_CONFIG);

  it.each([
    ['claude-code', UA.claudeCode, 'claude-code'],
    ['boto3', UA.boto3, 'boto3'],
    ['aws-sdk-js v3', UA.sdkJs, 'aws-sdk-js'],
    ['aws-sdk-go-v2', UA.sdkGoV2, 'aws-sdk-go'],
    ['terraform (before the Go SDK it embeds)', UA.terraform, 'terraform'],
    ['the app id an SDK caller set', UA.claudeViaSdk, 'claude-code'],
  ])('%s is agent evidence', (_, ua, pattern) => {
    expect(attribute([ua, 42])).toEqual({
      agent: true,
      reasons: [`CloudTrail userAgent "${ua.length > 120 ? `${ua.slice(0, 120)}… (${ua.length} chars)` : ua}" (42 calls) matches ${pattern}`],
    });
  });

  it.each([
    ['aws-cli v2', UA.awsCliV2],
    ['aws-cli v1, although it embeds botocore', UA.awsCliV1],
    ['the S3 console, although it embeds aws-sdk-java', UA.s3Console],
    ['the console', UA.console],
    ['AWS Internal', UA.awsInternal],
    ['a browser that happens to be Cursor', UA.cursorBrowser],
    ['an unrelated tool', UA.stratus],
  ])('%s is not', (_, ua) => {
    expect(attribute([ua, 500])).toEqual({ agent: false, reasons: [] });
  });

  it('an aws-cli call carrying an explicit app id is agent evidence', () => {
    expect(attribute([UA.cliWithAppId, 3]).reasons).toEqual([
      `CloudTrail userAgent "${UA.cliWithAppId.slice(0, 120)}… (${UA.cliWithAppId.length} chars)" (3 calls) matches claude-code`,
    ]);
  });

  it('matches case-insensitively', () => {
    expect(attribute(['Claude-Code/1.0.51 (external, cli)', 1]).reasons).toEqual([
      'CloudTrail userAgent "Claude-Code/1.0.51 (external, cli)" (1 call) matches claude-code',
    ]);
  });

  it('merges repeated strings, orders by calls and summarises beyond five', () => {
    const result = attribute(
      [UA.awsCliV2, 900],
      [UA.claudeCode, 2],
      [UA.claudeCode, 3],
      ...[1, 2, 3, 4, 5, 6].map((n): [string, number] => [`Boto3/1.34.${n} md/Botocore#1.34.${n}`, n * 10]),
    );
    expect(result.reasons).toEqual([
      'CloudTrail userAgent "Boto3/1.34.6 md/Botocore#1.34.6" (60 calls) matches boto3',
      'CloudTrail userAgent "Boto3/1.34.5 md/Botocore#1.34.5" (50 calls) matches boto3',
      'CloudTrail userAgent "Boto3/1.34.4 md/Botocore#1.34.4" (40 calls) matches boto3',
      'CloudTrail userAgent "Boto3/1.34.3 md/Botocore#1.34.3" (30 calls) matches boto3',
      'CloudTrail userAgent "Boto3/1.34.2 md/Botocore#1.34.2" (20 calls) matches boto3',
      'and 2 more matching userAgents (15 calls)',
    ]);
  });
});

describe('attributeAgent: configured userAgent lists', () => {
  it('replacing the defaults drops the SDK patterns; a glob matches the whole string', () => {
    const own = parseConfig(
      'agents:\n  userAgents: ["acme-*-runner/*"]\n  userAgentsReplaceDefaults: true\n',
      'keywarden.yaml',
    );
    expect(attributeAgent(role('deploy'), [{ userAgent: UA.boto3, count: 9 }], own).agent).toBe(false);
    expect(attributeAgent(role('deploy'), [{ userAgent: `acme-build-runner/2.1 ${UA.boto3}`, count: 9 }], own).reasons).toEqual([
      expect.stringMatching(/^CloudTrail userAgent "acme-build-runner\/2\.1 Boto3.*" \(9 calls\) matches acme-\*-runner\/\*$/),
    ]);
  });

  it('a configured human tool hides the SDK it embeds', () => {
    const shell = parseConfig('agents:\n  humanUserAgents: [acme-admin-shell]\n', 'keywarden.yaml');
    const ua = `acme-admin-shell/4.2 ${UA.boto3}`;
    expect(attributeAgent(role('ops'), [{ userAgent: ua, count: 4 }], DEFAULT_CONFIG).agent).toBe(true);
    expect(attributeAgent(role('ops'), [{ userAgent: ua, count: 4 }], shell).agent).toBe(false);
  });
});

describe('attributeAgent: hostile userAgents', () => {
  const attribute = (userAgent: string) => attributeAgent(role('deploy'), [{ userAgent, count: 1 }], DEFAULT_CONFIG);

  it('does not match near-misses inside other words', () => {
    for (const ua of ['declined-client/1.0', 'raider/2.0', 'recursor/1.0', 'xclaude-codey/9', 'devinfra-tool/1.0', 'terraformer2/1.0']) {
      expect(attribute(ua), ua).toEqual({ agent: false, reasons: [] });
    }
  });

  it('a human-led string cannot smuggle in an SDK token after a newline or comma', () => {
    expect(attribute('aws-cli/2.15.30\nBoto3/1.34.34').agent).toBe(false);
    expect(attribute('Mozilla/5.0, claude-code/1.0').agent).toBe(false);
  });

  it('escapes control characters and truncates in the reason', () => {
    const ua = `claude-code/1.0\u001b]0;pwned\u0007\r\n${'A'.repeat(5000)}`;
    const [reason] = attribute(ua).reasons;
    expect(reason).toMatch(/^CloudTrail userAgent "claude-code\/1\.0\\u001b\]0;pwned\\u0007\\u000d\\u000aA+… \(5027 chars\)" \(1 call\) matches claude-code$/);
    expect(reason!.length).toBeLessThan(220);
  });

  it('handles a megabyte-long string quickly and without a false match', () => {
    const ua = `${'claude-codey/'.repeat(80_000)}${'\u0000'.repeat(1000)}`;
    const start = performance.now();
    expect(attribute(ua)).toEqual({ agent: false, reasons: [] });
    expect(performance.now() - start).toBeLessThan(3000);
  });

  it('ignores empty strings and non-finite counts', () => {
    expect(attributeAgent(role('deploy'), [{ userAgent: '   ', count: 5 }], DEFAULT_CONFIG).agent).toBe(false);
    expect(attributeAgent(role('deploy'), [{ userAgent: UA.claudeCode, count: Number.NaN }], DEFAULT_CONFIG).reasons).toEqual([
      `CloudTrail userAgent "${UA.claudeCode}" (0 calls) matches claude-code`,
    ]);
  });
});
