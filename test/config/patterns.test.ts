import { describe, expect, it } from 'vitest';
import { containsToken, globMatches, printable, userAgentMatches } from '../../src/config/patterns.js';

describe('globMatches', () => {
  it.each([
    ['acme-prod*', 'acme-prod', true],
    ['acme-prod*', 'ACME-Prod-EU', true],
    ['acme-prod*', 'acme-staging', false],
    ['acme-prod', 'acme-prod-eu', false], // no wildcard: whole value
    ['*prod*', 'arn:aws:s3:::acme-prod-data', true],
    ['arn:aws:iam::*:role/agents/*', 'arn:aws:iam::111111111111:role/agents/claude', true],
    ['arn:aws:iam::*:role/agents/*', 'arn:aws:iam::111111111111:role/deploy', false],
    ['acme-?ev', 'acme-dev', true],
    ['acme-?ev', 'acme-dv', false],
    ['*', '', true],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'aXbYbZ', false],
  ])('%s vs %s → %s', (pattern, text, expected) => {
    expect(globMatches(pattern, text)).toBe(expected);
  });

  it('stays fast on many-star patterns against long non-matching text (no backtracking blow-up)', () => {
    const text = 'a'.repeat(200_000);
    const start = performance.now();
    expect(globMatches('*a*a*a*a*a*a*b', text)).toBe(false);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe('containsToken', () => {
  it.each([
    ['cline/3.1.0', 'cline', true],
    ['request declined', 'cline', false],
    ['aws-sdk-go-v2/1.32.3 os/linux', 'aws-sdk-go', true],
    ['aws-sdk-gox/1.0', 'aws-sdk-go', false],
    ['Boto3/1.34.34 md/Botocore#1.34.34', 'botocore', true],
    ['raider/1.0', 'aider', false],
    ['x\u0000claude-code\u0007', 'claude-code', true],
    ['anything', '', false],
  ])('%j contains %s → %s', (text, token, expected) => {
    expect(containsToken(text, token)).toBe(expected);
  });
});

describe('userAgentMatches', () => {
  it('uses a whole-string glob when the pattern has wildcards', () => {
    expect(userAgentMatches('acme-*-runner/*', 'acme-build-runner/2.1 Boto3/1.34.0')).toBe(true);
    expect(userAgentMatches('acme-*-runner/*', 'Boto3/1.34.0 acme-build-runner/2.1')).toBe(false);
  });
});

describe('printable', () => {
  it('escapes control, bidi and zero-width characters so a reason stays one honest line', () => {
    expect(printable('ok\n\u001b[31mred\u202egnp.exe\u200b')).toBe('ok\\u000a\\u001b[31mred\\u202egnp.exe\\u200b');
  });

  it('truncates long text and says how long it was', () => {
    const out = printable('x'.repeat(10_000), 20);
    expect(out).toBe(`${'x'.repeat(20)}… (10000 chars)`);
  });
});
