import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { UserError } from '../../src/cli/errors.js';
import {
  ConfigError,
  DEFAULT_AGENT_USER_AGENTS,
  DEFAULT_CONFIG,
  DEFAULT_HUMAN_USER_AGENTS,
  loadConfig,
  parseConfig,
} from '../../src/config/index.js';

/** The message a bad config produces (fails the test if it parses). */
function problem(text: string, file = 'keywarden.yaml'): ConfigError {
  try {
    parseConfig(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.message).not.toContain('\n');
    return e;
  }
  throw new Error(`expected ${file} to be rejected:\n${text}`);
}

describe('parseConfig: valid files', () => {
  it('fills every default for an empty file or one holding only comments', () => {
    for (const text of ['', '# nothing configured yet\n', '{}']) {
      expect(parseConfig(text, 'keywarden.yaml')).toEqual(DEFAULT_CONFIG);
    }
    expect(DEFAULT_CONFIG.thresholds).toEqual({ unusedDays: 90, keyMaxAgeDays: 90, unusedPermissionRatio: 0.5, rootRecentUseDays: 90 });
    expect(DEFAULT_CONFIG.environments).toEqual({ accounts: [], accountPatterns: [], accountTags: [], resources: [] });
    expect(DEFAULT_CONFIG.agents.userAgents).toEqual([...DEFAULT_AGENT_USER_AGENTS]);
    expect(DEFAULT_CONFIG.agents.userAgents).not.toContain('aws-cli');
    expect(DEFAULT_CONFIG.database).toBeUndefined();
  });

  it('keeps rule order and accepts unquoted 12-digit account ids', () => {
    const config = parseConfig(
      `environments:
  accounts:
    - id: 111111111111
      environment: production
    - id: '012345678901'
      environment: sandbox
    - id: acme-prod-123
      environment: production
  accountPatterns:
    - { alias: 'acme-prod-sandbox*', environment: sandbox }
    - { alias: 'acme-prod*', environment: production }
thresholds:
  unusedDays: 30
`,
      'keywarden.yaml',
    );
    expect(config.environments.accounts).toEqual([
      { id: '111111111111', environment: 'production' },
      { id: '012345678901', environment: 'sandbox' },
      { id: 'acme-prod-123', environment: 'production' },
    ]);
    expect(config.environments.accountPatterns.map((r) => r.alias)).toEqual(['acme-prod-sandbox*', 'acme-prod*']);
    expect(config.thresholds).toEqual({ unusedDays: 30, keyMaxAgeDays: 90, unusedPermissionRatio: 0.5, rootRecentUseDays: 90 });
  });

  it('extends the built-in userAgent lists, or replaces them when asked', () => {
    const extended = parseConfig('agents:\n  userAgents: [acme-deploy-bot, boto3]\n', 'k.yaml');
    expect(extended.agents.userAgents).toEqual([...DEFAULT_AGENT_USER_AGENTS, 'acme-deploy-bot']);
    expect(extended.agents.humanUserAgents).toEqual([...DEFAULT_HUMAN_USER_AGENTS]);

    const replaced = parseConfig(
      'agents:\n  userAgents: [acme-deploy-bot]\n  userAgentsReplaceDefaults: true\n  humanUserAgents: []\n  humanUserAgentsReplaceDefaults: true\n',
      'k.yaml',
    );
    expect(replaced.agents.userAgents).toEqual(['acme-deploy-bot']);
    expect(replaced.agents.humanUserAgents).toEqual([]);
  });

  it('treats a key with no value as absent', () => {
    const config = parseConfig('agents:\n  names:\n  #  - "*-agent"\nreports:\n', 'k.yaml');
    expect(config.agents.names).toEqual([]);
    expect(config.reports).toBeUndefined();
  });

  it('reads JSON with the same schema', () => {
    const config = parseConfig(
      '\uFEFF{"agents": {"tags": [{"key": "agent", "value": "*"}]}, "thresholds": {"unusedPermissionRatio": 0.8}}',
      'keywarden.json',
    );
    expect(config.agents.tags).toEqual([{ key: 'agent', value: '*' }]);
    expect(config.thresholds.unusedPermissionRatio).toBe(0.8);
  });
});

describe('parseConfig: every bad input names the file, position and key path', () => {
  it('rejects an account id with the wrong number of digits', () => {
    const e = problem(`environments:
  accounts:
    - id: '111111111111'
      environment: production
    - id: '222222222222'
      environment: staging
    - id: '33333333333'
      environment: development
`);
    expect(e.message).toBe('keywarden.yaml:7:11: environments.accounts[2].id: expected a 12-digit AWS account id, got 11 digits');
    expect(e).toBeInstanceOf(UserError);
    expect(e.exitCode).toBe(3);
  });

  it('says to quote an account id whose leading zero YAML dropped', () => {
    const e = problem('environments:\n  accounts:\n    - id: 012345678901\n      environment: production\n');
    expect(e.message).toMatch(/^keywarden\.yaml:3:11: environments\.accounts\[0\]\.id: expected a 12-digit AWS account id, got the number 12345678901; quote it/);
  });

  it('rejects an account listed twice', () => {
    const e = problem(`environments:
  accounts:
    - { id: '111111111111', environment: production }
    - { id: '111111111111', environment: sandbox }
`);
    expect(e.message).toBe(
      'keywarden.yaml:4:13: environments.accounts[1].id: account 111111111111 is already listed at environments.accounts[0] (as production)',
    );
  });

  it('rejects unknown keys and suggests the one meant', () => {
    expect(problem('environments:\n  acounts: []\n').message).toBe(
      'keywarden.yaml:2:3: environments.acounts: unknown key; did you mean accounts?',
    );
    expect(problem('agents:\n  userAgentReplaceDefaults: true\n').message).toBe(
      'keywarden.yaml:2:3: agents.userAgentReplaceDefaults: unknown key; did you mean userAgentsReplaceDefaults?',
    );
    expect(problem('thresholds:\n  foo: 1\n').message).toBe(
      'keywarden.yaml:2:3: thresholds.foo: unknown key; expected one of unusedDays, keyMaxAgeDays, unusedPermissionRatio, rootRecentUseDays',
    );
    expect(problem('environment:\n  accounts: []\n').message).toBe(
      'keywarden.yaml:1:1: environment: unknown key; did you mean environments?',
    );
    expect(problem('agents:\n  tags:\n    - { key: agent, vaule: "*" }\n').problems).toEqual([
      'keywarden.yaml:3:7: agents.tags[0].value: missing: expected text',
      'keywarden.yaml:3:21: agents.tags[0].vaule: unknown key; did you mean value?',
    ]);
  });

  it('rejects environment names outside the four, listing the allowed ones', () => {
    expect(problem('environments:\n  resources:\n    - pattern: "*prod*"\n      environment: prod\n').message).toBe(
      'keywarden.yaml:4:20: environments.resources[0].environment: expected one of production, staging, development, sandbox, got "prod"',
    );
    expect(problem('environments:\n  resources:\n    - pattern: "*prod*"\n      environment: unknown\n').message).toContain(
      'expected one of production, staging, development, sandbox, got "unknown"',
    );
  });

  it('rejects wrong types and out-of-range thresholds, counting every problem', () => {
    const e = problem(`thresholds:
  unusedDays: 1.5
  keyMaxAgeDays: 0
  unusedPermissionRatio: "half"
  rootRecentUseDays: 100000
`);
    expect(e.problems).toEqual([
      'keywarden.yaml:2:15: thresholds.unusedDays: expected a whole number of days, got 1.5',
      'keywarden.yaml:3:18: thresholds.keyMaxAgeDays: expected at least 1 day, got 0',
      'keywarden.yaml:4:26: thresholds.unusedPermissionRatio: expected a number, got "half"',
      'keywarden.yaml:5:22: thresholds.rootRecentUseDays: expected at most 3650 days (ten years), got 100000',
    ]);
    expect(e.message).toBe(`${e.problems[0]} (and 3 more problems)`);
    expect(problem('thresholds:\n  unusedPermissionRatio: 1.5\n').message).toContain('expected a share between 0 and 1, got 1.5');
    expect(problem('thresholds:\n  unusedPermissionRatio: 0\n').message).toContain('expected a share above 0');
  });

  it('rejects empty patterns and a list where a mapping belongs', () => {
    expect(problem('agents:\n  names: ["  "]\n').message).toBe('keywarden.yaml:2:11: agents.names[0]: expected a non-empty pattern');
    expect(problem('agents: [claude-code]\n').message).toBe('keywarden.yaml:1:9: agents: expected a mapping, got a list');
    expect(problem('- environments\n').message).toBe('keywarden.yaml: expected a mapping of settings at the top level, got a list');
  });

  it('reports YAML syntax errors at file:line:col', () => {
    expect(problem('agents:\n  names: [claude-*\nthresholds: {}\n').message).toMatch(/^keywarden\.yaml:3:1: invalid YAML: /);
    expect(problem('agents:\n\tnames: []\n').message).toBe('keywarden.yaml:2:1: invalid YAML: Tabs are not allowed as indentation');
    expect(problem('agents: {}\nagents: {}\n').message).toBe('keywarden.yaml:2:1: invalid YAML: Map keys must be unique');
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    expect(problem(lines.join('\n') + '\n').message).toMatch(/^keywarden\.yaml: invalid YAML: .*alias/i);
  });

  it('reports JSON syntax errors at file:line:col, and duplicate keys JSON.parse would hide', () => {
    expect(problem('{\n  "agents": {\n    "names": ["a",]\n  }\n}\n', 'keywarden.json').message).toBe(
      "keywarden.json:3:19: invalid JSON: trailing comma before ']'",
    );
    expect(problem('{"agents": {"names": ["a"] "arns": []}}', 'keywarden.json').message).toBe(
      `keywarden.json:1:28: invalid JSON: expected ',' or '}', found "\\""`,
    );
    expect(problem('{"agents": {}, "agents": {"names": []}}', 'keywarden.json').message).toBe(
      'keywarden.json:1:16: invalid JSON: duplicate key',
    );
    expect(problem('{"agents": {"names": 3}}', 'keywarden.json').message).toBe(
      'keywarden.json:1:22: agents.names: expected a list, got number 3',
    );
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the defaults without a file', () => {
    expect(loadConfig()).toBe(DEFAULT_CONFIG);
    expect(Object.isFrozen(DEFAULT_CONFIG.agents.userAgents)).toBe(true);
  });

  it('resolves database and reports against the config file directory', () => {
    mkdirSync(path.join(dir, 'ops'));
    const file = path.join(dir, 'ops', 'keywarden.yml');
    writeFileSync(file, 'database: state/kw.db\nreports: /var/reports\n');
    const config = loadConfig(file);
    expect(config.database).toBe(path.join(dir, 'ops', 'state', 'kw.db'));
    expect(config.reports).toBe('/var/reports');
  });

  it('names the file when it cannot be read or has the wrong type', () => {
    const missing = path.join(dir, 'nope.yaml');
    expect(() => loadConfig(missing)).toThrow(new ConfigError(missing, [`${missing}: cannot read config file: no such file`]));
    expect(() => loadConfig(dir + '/ops.yaml')).toThrow(/cannot read config file: no such file/);
    const asDir = path.join(dir, 'dir.yaml');
    mkdirSync(asDir);
    expect(() => loadConfig(asDir)).toThrow(`${asDir}: cannot read config file: it is a directory`);
    const toml = path.join(dir, 'keywarden.toml');
    writeFileSync(toml, '[agents]\n');
    expect(() => loadConfig(toml)).toThrow(`${toml}: unsupported config file type ".toml": use .yaml, .yml or .json`);
  });

  it('uses the path as given in messages', () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, '{"thresholds": {"unusedDays": "ninety"}}');
    expect(() => loadConfig(file)).toThrow(`${file}:1:31: thresholds.unusedDays: expected a number, got "ninety"`);
  });
});
