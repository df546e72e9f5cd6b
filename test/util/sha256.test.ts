import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/rules/engine.js';
import { sha256HexPrefix } from '../../src/util/sha256.js';

describe('sha256HexPrefix', () => {
  it('is the first digits of the SHA-256 hex digest, lower-case, whatever the text', () => {
    for (const text of ['', 'abc', 'aws.root-level-scope\u0000arn:aws:iam::111122223333:role/ci\u0000\u0000Action::iam:PassRole', 'rôle-ünïcode-名前', 'x'.repeat(10_000)]) {
      const hex = crypto.createHash('sha256').update(text).digest('hex');
      expect(sha256HexPrefix(text, 32)).toBe(hex.slice(0, 32));
      expect(sha256HexPrefix(text, 16)).toBe(hex.slice(0, 16));
    }
  });

  it('keeps finding fingerprints as they were (baselines and suppressions key on them)', () => {
    // Computed with the previous form, sha256Hex(key).slice(0, 32).
    const key = ['aws.production-reach', 'arn:aws:iam::100000000001:role/machine-1', '', 'Reach::production::Permissions management'].join('\u0000');
    const expected = crypto.createHash('sha256').update(key).digest('hex').slice(0, 32);
    expect(fingerprint({ ruleId: 'aws.production-reach', identityArn: 'arn:aws:iam::100000000001:role/machine-1', granular: 'Reach::production::Permissions management' })).toBe(expected);
    expect(expected).toBe('1e9624be1ef588678b2432b79d4ed807');
  });
});
