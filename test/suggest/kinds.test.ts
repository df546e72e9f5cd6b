/**
 * Each AWS suggestion kind on realistic scenarios: the findings it resolves,
 * its staged commands with the observation period, and a rollback that
 * restores the saved state.
 */
import { describe, expect, it } from 'vitest';
import { PROD, STAGING, testConfig } from '../helpers/scenario.js';
import { suggestionsOf } from './pipeline.js';

const READ_ONLY = { name: 'ReadOnlyAccess', kind: 'managed' as const, arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: ['s3:Get*', 's3:List*'], Resource: '*' }] } };
const ETL = { name: 'etl-write', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: ['s3:PutObject', 's3:DeleteObject'], Resource: 'arn:aws:s3:::prod-legacy/*' }] } };
const ADMIN = { name: 'AdministratorAccess', kind: 'managed' as const, arn: 'arn:aws:iam::aws:policy/AdministratorAccess', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: '*', Resource: '*' }] } };

const cloudTrailDays = (account: string) =>
  Array.from({ length: 90 }, (_, i) => ({ accountId: account, region: 'us-east-1', day: new Date(Date.parse('2026-08-18T00:00:00Z') + i * 86_400_000).toISOString().slice(0, 10) }));

describe('delete-unused-role', () => {
  it('quarantines, then deletes after observeDays, and the rollback recreates the role with its saved trust and policies', async () => {
    const ROLE = `arn:aws:iam::${PROD}:role/etl/legacy-etl`;
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    const spec = (trustPolicy?: typeof trust) => ({
      identities: [{ arn: ROLE, trustPolicy, policies: [ETL, READ_ONLY], lastUsed: { at: '2025-12-01T00:00:00Z', source: 'role-last-used' as const } }],
      extras: { cloudTrailDays: cloudTrailDays(PROD) },
    });
    const options = { config: testConfig(TEST_YAML_WITH_OBSERVE) };
    // Without its trust policy the role could not be recreated as it was: no delete is proposed.
    expect((await suggestionsOf(spec(), options)).suggestions.filter((s) => s.suggestion.kind === 'delete-unused-role')).toEqual([]);

    const { suggestions, findings } = await suggestionsOf(spec(trust), options);
    const entry = suggestions.find((s) => s.suggestion.kind === 'delete-unused-role');
    const s = entry!.suggestion;
    expect(s.resolves.sort()).toEqual(findings.filter((f) => f.identityArn === ROLE).map((f) => f.fingerprint).sort());
    expect(s.steps.map((st) => [st.stage, st.waitDays, st.commands])).toEqual([
      [1, undefined, ['aws iam put-role-policy --role-name legacy-etl --policy-name keywarden-quarantine --policy-document file://documents/quarantine.json']],
      [
        2,
        30,
        [
          'aws iam delete-role-policy --role-name legacy-etl --policy-name etl-write',
          'aws iam detach-role-policy --role-name legacy-etl --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess',
          'aws iam delete-role-policy --role-name legacy-etl --policy-name keywarden-quarantine',
          'aws iam delete-role --role-name legacy-etl',
        ],
      ],
    ]);
    const saved = entry!.plan.documents.find((d) => d.name.startsWith('saved-inline-etl-write'))!;
    expect(saved.document).toEqual(ETL.document);
    expect(s.rollback[1]!.commands).toEqual([
      'aws iam create-role --role-name legacy-etl --path /etl/ --assume-role-policy-document file://documents/saved-trust-policy.json',
      `aws iam put-role-policy --role-name legacy-etl --policy-name etl-write --policy-document file://documents/${saved.name}`,
      'aws iam attach-role-policy --role-name legacy-etl --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess',
    ]);
    expect(entry!.plan.documents.find((d) => d.name === 'saved-trust-policy.json')!.document).toEqual(trust);
  });
});

const TEST_YAML_WITH_OBSERVE = `
environments:
  accounts:
    - { id: "${PROD}", environment: production }
    - { id: "${STAGING}", environment: staging }
suggestions:
  observeDays: 30
`;

describe('delete-unused-user', () => {
  it('deletes keys and password before the user, asks for key ids the export lacks, and says they cannot be restored', async () => {
    const USER = `arn:aws:iam::${PROD}:user/automation/legacy-reporting`;
    const { suggestions } = await suggestionsOf(
      {
        identities: [
          {
            arn: USER,
            policies: [READ_ONLY],
            credentials: [
              { id: `${USER}#access_key_1`, kind: 'access-key', active: true, createdAt: '2024-08-19T10:00:00Z' },
              { id: `${USER}#password`, kind: 'password', active: true, createdAt: '2024-08-19T10:00:00Z' },
            ],
          },
        ],
        extras: { cloudTrailDays: cloudTrailDays(PROD) },
      },
      { config: testConfig(TEST_YAML_WITH_OBSERVE) },
    );
    const entry = suggestions.find((s) => s.suggestion.kind === 'delete-unused-user')!;
    expect(entry.suggestion.steps[1]!.commands).toEqual([
      'aws iam delete-access-key --user-name legacy-reporting --access-key-id "$ACCESS_KEY_ID"',
      'aws iam delete-login-profile --user-name legacy-reporting',
      'aws iam detach-user-policy --user-name legacy-reporting --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess',
      'aws iam delete-user-policy --user-name legacy-reporting --policy-name keywarden-quarantine',
      'aws iam delete-user --user-name legacy-reporting',
    ]);
    expect(entry.plan.inputs.map((i) => i.env)).toEqual(['ACCESS_KEY_ID']);
    expect(entry.plan.inputs[0]!.description).toContain('created 2024-08-19');
    expect(entry.suggestion.risk).toContain('Not restorable by the rollback');
    expect(entry.suggestion.rollback[1]!.commands).toEqual([
      'aws iam create-user --user-name legacy-reporting --path /automation/',
      'aws iam attach-user-policy --user-name legacy-reporting --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess',
    ]);
    // The unused key is also proposed on its own, deactivate first.
    const key = suggestions.find((s) => s.suggestion.kind === 'deactivate-unused-access-key')!;
    expect(key.suggestion.steps.map((st) => st.stage)).toEqual([1, 2]);
    expect(key.suggestion.steps[1]!.waitDays).toBe(30);
  });
});

describe('rotate-stale-access-key', () => {
  it('creates the new key first, deactivates the old one in stage 2 and deletes it after observing', async () => {
    const USER = `arn:aws:iam::${STAGING}:user/agents/qa-bot`;
    const KEY = 'AKIAQABOTKEY00000001';
    const { suggestions } = await suggestionsOf({
      identities: [
        {
          arn: USER,
          tags: { agent: 'qa' },
          policies: [READ_ONLY],
          credentials: [{ id: KEY, kind: 'access-key', active: true, createdAt: '2025-01-02T00:00:00Z', lastUsedAt: '2026-11-13T08:00:00Z', lastUsedService: 's3', lastUsedRegion: 'eu-west-1' }],
        },
      ],
      usage: [{ identityArn: USER, credentialId: KEY, action: 's3:GetObject', day: '2026-11-13', count: 40, denied: 0, lastSeen: '2026-11-13T08:00:00Z' }],
    });
    const entry = suggestions.find((s) => s.suggestion.kind === 'rotate-stale-access-key')!;
    expect(entry.suggestion.steps.map((s) => [s.stage, s.commands])).toEqual([
      [1, ['aws iam create-access-key --user-name qa-bot']],
      [2, [`aws iam update-access-key --user-name qa-bot --access-key-id ${KEY} --status Inactive`]],
      [3, [`aws iam delete-access-key --user-name qa-bot --access-key-id ${KEY}`]],
    ]);
    expect(entry.suggestion.risk).toContain('last used 2026-11-13 (2 days before the as-of date) via s3 in eu-west-1; 40 CloudTrail calls in the window carry its key id');
    expect(entry.suggestion.risk).toContain('prefer moving it to a role');
    expect(entry.plan.inputs).toEqual([]);
  });
});

describe('replace-with-least-privilege', () => {
  it('swaps an administrator for a created policy of what it used, and the rollback re-attaches the administrator policy', async () => {
    const ROLE = `arn:aws:iam::${PROD}:role/agents/ops-ai-agent`;
    const { suggestions, findings } = await suggestionsOf({
      identities: [{ arn: ROLE, policies: [ADMIN] }],
      usage: [
        { identityArn: ROLE, credentialId: '', action: 'ec2:DescribeInstances', day: '2026-11-10', count: 9, denied: 0, lastSeen: '2026-11-10T09:00:00Z' },
        { identityArn: ROLE, credentialId: '', action: 'ssm:GetParameter', day: '2026-11-11', count: 3, denied: 0, lastSeen: '2026-11-11T09:00:00Z' },
      ],
    });
    const entry = suggestions.find((s) => s.suggestion.kind === 'replace-with-least-privilege')!;
    const s = entry.suggestion;
    expect(s.resolves).toContain(findings.find((f) => f.ruleId === 'aws.root-level-scope' && f.granular === 'Action::*')!.fingerprint);
    expect(s.replacement).toEqual({
      format: 'aws-policy',
      coarse: [],
      document: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'UsedEc2', Effect: 'Allow', Action: ['ec2:DescribeInstances'], Resource: ['*'] },
          { Sid: 'UsedSsm', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: ['*'] },
        ],
      },
    });
    const arn = `arn:aws:iam::${PROD}:policy/keywarden-lp-ops-ai-agent-1`;
    expect(s.steps[0]!.commands).toEqual([
      "aws iam create-policy --policy-name keywarden-lp-ops-ai-agent-1 --policy-document file://documents/replacement-1.json --description 'keywarden: actions used in the audit window'",
      `aws iam attach-role-policy --role-name ops-ai-agent --policy-arn ${arn}`,
      'aws iam detach-role-policy --role-name ops-ai-agent --policy-arn arn:aws:iam::aws:policy/AdministratorAccess',
    ]);
    expect(s.rollback[0]!.commands).toEqual([
      'aws iam attach-role-policy --role-name ops-ai-agent --policy-arn arn:aws:iam::aws:policy/AdministratorAccess',
      `aws iam detach-role-policy --role-name ops-ai-agent --policy-arn ${arn}`,
      `aws iam delete-policy --policy-arn ${arn}`,
    ]);
    expect(s.risk).toContain('stay on Resource "*"');
  });
  it('is not proposed while the identity holds a managed policy stored without its ARN: no command could detach it', async () => {
    const ROLE = `arn:aws:iam::${PROD}:role/ops-ai-agent`;
    const usage = [{ identityArn: ROLE, credentialId: '', action: 'ec2:DescribeInstances', day: '2026-11-10', count: 9, denied: 0, lastSeen: '2026-11-10T09:00:00Z' }];
    const swaps = async (admin: typeof ADMIN | Omit<typeof ADMIN, 'arn'>) =>
      (await suggestionsOf({ identities: [{ arn: ROLE, policies: [ETL, admin] }], usage })).suggestions.filter((s) => s.suggestion.kind === 'replace-with-least-privilege');
    expect(await swaps(ADMIN)).toHaveLength(1);
    const { arn: _arn, ...withoutArn } = ADMIN;
    expect(await swaps(withoutArn)).toEqual([]);
  });
});

describe('detach-unused-policy', () => {
  it('detaches a managed policy of which nothing was used and on which a root-level finding rests, and not the one in use', async () => {
    const ROLE = `arn:aws:iam::${PROD}:role/deployer`;
    const IAM_FULL = { name: 'IAMFullAccess', kind: 'managed' as const, arn: 'arn:aws:iam::aws:policy/IAMFullAccess', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: 'iam:*', Resource: '*' }] } };
    const DEPLOY = { name: 'deploy', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: ['ecs:UpdateService', 'ecs:DescribeServices'], Resource: '*' }] } };
    const { suggestions, findings } = await suggestionsOf({
      identities: [{ arn: ROLE, policies: [DEPLOY, IAM_FULL] }],
      usage: [{ identityArn: ROLE, credentialId: '', action: 'ecs:UpdateService', day: '2026-11-12', count: 5, denied: 0, lastSeen: '2026-11-12T10:00:00Z' }],
      accessAdvisor: [{ identityArn: ROLE, granularity: 'SERVICE_LEVEL', completedAt: '2026-11-15T00:00:00Z', services: [{ namespace: 'iam' }, { namespace: 'ecs', lastAuthenticated: '2026-11-12T10:00:00Z' }] }],
    });
    const detach = suggestions.filter((s) => s.suggestion.kind === 'detach-unused-policy');
    expect(detach).toHaveLength(1);
    const s = detach[0]!.suggestion;
    expect(s.steps[0]!.commands).toEqual(['aws iam detach-role-policy --role-name deployer --policy-arn arn:aws:iam::aws:policy/IAMFullAccess']);
    expect(s.rollback[0]!.commands).toEqual(['aws iam attach-role-policy --role-name deployer --policy-arn arn:aws:iam::aws:policy/IAMFullAccess']);
    const rootLevel = findings.filter((f) => f.ruleId === 'aws.root-level-scope' && f.identityArn === ROLE);
    expect(rootLevel.length).toBeGreaterThan(0);
    expect(s.resolves.sort()).toEqual(rootLevel.map((f) => f.fingerprint).sort());
    expect(suggestions.some((x) => x.suggestion.kind === 'delete-unused-inline-policy')).toBe(false);
  });
  it('keeps a policy whose service was seen used at service level only, and detaches every policy of an identity that used nothing', async () => {
    const ROLE = `arn:aws:iam::${PROD}:role/reporter`;
    const IAM_FULL = { name: 'IAMFullAccess', kind: 'managed' as const, arn: 'arn:aws:iam::aws:policy/IAMFullAccess', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: 'iam:*', Resource: '*' }] } };
    const S3_FULL = { name: 'AmazonS3FullAccess', kind: 'managed' as const, arn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: 's3:*', Resource: '*' }] } };
    const detached = async (services: { namespace: string; lastAuthenticated?: string }[]) => {
      const { suggestions } = await suggestionsOf({
        identities: [{ arn: ROLE, policies: [IAM_FULL, S3_FULL] }],
        accessAdvisor: [{ identityArn: ROLE, granularity: 'SERVICE_LEVEL', completedAt: '2026-11-15T00:00:00Z', services }],
      });
      return suggestions.filter((s) => s.suggestion.kind === 'detach-unused-policy').map((s) => s.suggestion.steps[0]!.commands[0]);
    };
    expect(await detached([{ namespace: 'iam' }, { namespace: 's3', lastAuthenticated: '2026-11-12T10:00:00Z' }])).toEqual([
      'aws iam detach-role-policy --role-name reporter --policy-arn arn:aws:iam::aws:policy/IAMFullAccess',
    ]);
    expect(await detached([{ namespace: 'iam' }, { namespace: 's3' }])).toEqual([
      'aws iam detach-role-policy --role-name reporter --policy-arn arn:aws:iam::aws:policy/IAMFullAccess',
      'aws iam detach-role-policy --role-name reporter --policy-arn arn:aws:iam::aws:policy/AmazonS3FullAccess',
    ]);
  });
});
