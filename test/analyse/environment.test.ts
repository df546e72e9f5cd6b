import { describe, expect, it } from 'vitest';
import {
  resolveAccountEnvironment,
  resolveAccounts,
  resolveResourceEnvironment,
  riskEnvironment,
} from '../../src/analyse/environment.js';
import { parseConfig } from '../../src/config/index.js';
import type { AccountInfo } from '../../src/model/domain.js';

const config = parseConfig(
  `environments:
  accounts:
    - { id: '111111111111', environment: production }
    - { id: '222222222222', environment: staging }
  accountPatterns:
    - { alias: 'acme-prod-sandbox*', environment: sandbox }
    - { alias: 'acme-prod*', environment: production }
    - { alias: 'acme-dev*', environment: development }
  accountTags:
    - { key: env, value: 'prod*', environment: production }
    - { key: env, value: 'stag*', environment: staging }
    - { key: env, value: 'dev*', environment: development }
  resources:
    - { pattern: 'arn:aws:s3:::acme-sandbox-*', environment: sandbox }
    - { pattern: '*prod*', environment: production }
`,
  'keywarden.yaml',
);

const account = (accountId: string, alias?: string, tags: Record<string, string> = {}): AccountInfo => ({
  provider: 'aws',
  accountId,
  ...(alias !== undefined && { alias }),
  tags,
});

describe('resolveAccountEnvironment', () => {
  it('an explicit account id beats alias and tags', () => {
    // The alias and tag both say production; the id says staging, and the id is the deliberate statement.
    expect(resolveAccountEnvironment(account('222222222222', 'acme-prod-legacy', { env: 'production' }), config)).toEqual({
      environment: 'staging',
      how: 'account id 222222222222 listed as staging',
    });
  });

  it('alias globs: first matching rule wins, case-insensitively', () => {
    expect(resolveAccountEnvironment(account('333333333333', 'acme-prod-sandbox-eu'), config)).toEqual({
      environment: 'sandbox',
      how: 'alias acme-prod-sandbox-eu matches acme-prod-sandbox*',
    });
    expect(resolveAccountEnvironment(account('444444444444', 'ACME-Prod'), config)).toEqual({
      environment: 'production',
      how: 'alias ACME-Prod matches acme-prod*',
    });
  });

  it('account tags', () => {
    expect(resolveAccountEnvironment(account('555555555555', undefined, { team: 'data', env: 'Staging' }), config)).toEqual({
      environment: 'staging',
      how: 'tag env=Staging matches env=stag*',
    });
  });

  it('alias and tag agreeing are both cited; disagreeing, the riskier wins', () => {
    expect(resolveAccountEnvironment(account('666666666666', 'acme-dev-eu', { env: 'dev' }), config).how).toBe(
      'alias acme-dev-eu matches acme-dev* and tag env=dev matches env=dev*',
    );
    expect(resolveAccountEnvironment(account('666666666666', 'acme-dev-eu', { env: 'prod' }), config)).toEqual({
      environment: 'production',
      how: 'tag env=prod matches env=prod* (production); alias acme-dev-eu matches acme-dev* says development; the riskier applies',
    });
  });

  it('nothing matched is unknown, never a guess', () => {
    expect(resolveAccountEnvironment(account('777777777777', 'partner-shared', { env: 'qa' }), config)).toEqual({
      environment: 'unknown',
      how: 'no rule matched',
    });
    expect(resolveAccountEnvironment(account('777777777777'), parseConfig('', 'empty.yaml')).environment).toBe('unknown');
  });

  it('escapes hostile alias and tag text in the explanation', () => {
    const { how } = resolveAccountEnvironment(account('888888888888', undefined, { env: 'prod\n\u001b[2Kfine' }), config);
    expect(how).toBe('tag env=prod\\u000a\\u001b[2Kfine matches env=prod*');
  });
});

describe('resolveResourceEnvironment', () => {
  const accounts = resolveAccounts(
    [account('111111111111', 'acme-prod'), account('222222222222', 'acme-staging'), account('999999999999', 'partner')],
    config,
  );

  it('uses the account in the ARN when no resource pattern matches', () => {
    expect(resolveResourceEnvironment('arn:aws:iam::111111111111:role/deploy', accounts, config)).toEqual({
      environment: 'production',
      how: 'in account 111111111111: account id 111111111111 listed as production',
    });
    expect(resolveResourceEnvironment('arn:aws:dynamodb:eu-west-1:222222222222:table/orders', accounts, config).environment).toBe('staging');
  });

  it('a matching resource pattern wins over the ARN account (the more specific statement)', () => {
    // A production backup table replicated into the staging account.
    expect(resolveResourceEnvironment('arn:aws:dynamodb:eu-west-1:222222222222:table/orders-prod-backup', accounts, config)).toEqual({
      environment: 'production',
      how: 'resource arn:aws:dynamodb:eu-west-1:222222222222:table/orders-prod-backup matches *prod*',
    });
    // And the other way: a sandbox bucket pattern names it sandbox whatever holds it.
    expect(resolveResourceEnvironment('arn:aws:s3:::acme-sandbox-prod-copy', accounts, config)).toEqual({
      environment: 'sandbox',
      how: 'resource arn:aws:s3:::acme-sandbox-prod-copy matches arn:aws:s3:::acme-sandbox-*',
    });
  });

  it('matches bare names (bucket names) with name patterns, not with arn: patterns', () => {
    expect(resolveResourceEnvironment('acme-prod-data', accounts, config).environment).toBe('production');
    expect(resolveResourceEnvironment('acme-sandbox-scratch', accounts, config)).toEqual({
      environment: 'unknown',
      how: 'no rule matched resource acme-sandbox-scratch',
    });
  });

  it('name patterns look at the resource part, not the partition or service', () => {
    const onlyName = parseConfig('environments:\n  resources:\n    - { pattern: "acme-*", environment: staging }\n', 'k.yaml');
    expect(resolveResourceEnvironment('arn:aws:s3:::acme-logs', new Map(), onlyName).environment).toBe('staging');
    expect(resolveResourceEnvironment('arn:aws:iam::222222222222:role/acme-ci', new Map(), onlyName).environment).toBe('unknown');
  });

  it('an account missing from the scan still resolves when the config lists its id', () => {
    expect(resolveResourceEnvironment('arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab', new Map(), config)).toEqual({
      environment: 'production',
      how: 'in account 111111111111: account id listed as production',
    });
  });

  it('unknown accounts and wildcard resources stay unknown', () => {
    expect(resolveResourceEnvironment('arn:aws:sqs:eu-west-1:999999999999:jobs', accounts, config)).toEqual({
      environment: 'unknown',
      how: 'in account 999999999999, whose environment is unknown (no rule matched)',
    });
    expect(resolveResourceEnvironment('arn:aws:sqs:eu-west-1:123456789012:jobs', accounts, config).how).toBe(
      'in account 123456789012, which is not in the scan and matches no rule',
    );
    for (const wildcard of ['*', 'arn:aws:s3:::*', 'arn:aws:iam::*:role/deploy']) {
      expect(resolveResourceEnvironment(wildcard, accounts, config).environment).toBe('unknown');
    }
  });

  it('reads the project out of a GCP resource name', () => {
    const gcp = parseConfig('environments:\n  accounts:\n    - { id: acme-payments, environment: production }\n', 'k.yaml');
    expect(resolveResourceEnvironment('projects/acme-payments/secrets/db-password', new Map(), gcp).environment).toBe('production');
    expect(resolveResourceEnvironment('//storage.googleapis.com/projects/_/buckets/logs', new Map(), gcp).environment).toBe('unknown');
  });
});

describe('riskEnvironment', () => {
  it('weighs unknown as production and leaves the rest alone', () => {
    expect(riskEnvironment('unknown')).toBe('production');
    expect(riskEnvironment('sandbox')).toBe('sandbox');
    expect(riskEnvironment('staging')).toBe('staging');
  });
});
