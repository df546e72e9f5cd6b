import { describe, expect, it } from 'vitest';
import { copyWith } from '../../src/util/copy-with.js';

describe('copyWith', () => {
  const suggestion = {
    id: 'kw-0123456789abcdef',
    kind: 'detach-unused-policy',
    provider: 'aws',
    identityArn: 'arn:aws:iam::111111111111:role/app',
    accountId: '111111111111',
    title: 'Detach ReadOnlyAccess from app',
    resolves: ['f1'],
    credentialId: undefined,
  };

  it('makes what a spread makes: the same keys, in the same order, an existing key keeping its place', () => {
    const copy = copyWith(suggestion, { title: 'changed', status: 'new' as const });
    const spread = { ...suggestion, title: 'changed', status: 'new' as const };
    expect(Object.keys(copy)).toEqual(Object.keys(spread));
    expect(JSON.stringify(copy)).toBe(JSON.stringify(spread));
    expect(copy).not.toBe(suggestion);
    expect(suggestion.title).toBe('Detach ReadOnlyAccess from app');
  });

  it('takes the later of two extras, as a second spread does', () => {
    const audit = { arn: 'a', services: [1, 2, 3], granted: 3 };
    const copy = copyWith(audit, { services: [1], servicesOmitted: { services: 2 } }, { environment: 'production' });
    expect(JSON.stringify(copy)).toBe(JSON.stringify({ ...audit, ...{ services: [1], servicesOmitted: { services: 2 } }, environment: 'production' }));
  });
});
