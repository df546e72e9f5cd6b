import { describe, expect, it } from 'vitest';
import { decodePolicyDocument, PolicyDocumentError } from '../../../../src/collect/files/iam/policy-document.js';
import { canonicalJson, policyHash } from '../../../../src/model/policy-hash.js';
import type { PolicyDocument, PolicyStatement } from '../../../../src/model/policy.js';

// The shape the raw IAM API returns (RFC 3986 URL-encoding of the JSON text).
const statement: PolicyStatement = { Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::acme-prod-raw/*' };
const document: PolicyDocument = { Version: '2012-10-17', Statement: [statement] };
const urlEncoded = encodeURIComponent(JSON.stringify(document, null, 2));

describe('decodePolicyDocument', () => {
  it('accepts the object the CLI prints, a JSON string, and URL-encoded JSON alike', () => {
    expect(urlEncoded.startsWith('%7B')).toBe(true);
    expect(decodePolicyDocument(document)).toEqual(document);
    expect(decodePolicyDocument(JSON.stringify(document))).toEqual(document);
    expect(decodePolicyDocument(urlEncoded)).toEqual(document);
  });

  it('keeps a single Statement object and Condition blocks as they are', () => {
    const single = {
      Version: '2012-10-17',
      Statement: {
        Effect: 'Deny',
        NotAction: 'iam:*',
        Resource: '*',
        Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
      },
    };
    expect(decodePolicyDocument(single)).toEqual(single);
  });

  it.each([
    ['a truncated JSON string', '{"Version":"2012-10-17","Statement":[', /not valid JSON/],
    ['plain text', 'AdministratorAccess', /neither JSON nor URL-encoded JSON/],
    ['a document without Statement', { Version: '2012-10-17' }, /Statement/],
    ['a statement with a bad Effect', { Statement: [{ Effect: 'Permit', Action: '*' }] }, /Statement\.0\.Effect/],
    ['nothing', undefined, /missing/],
  ])('rejects %s with a message saying what is wrong', (_name, input, message) => {
    expect(() => decodePolicyDocument(input)).toThrow(PolicyDocumentError);
    expect(() => decodePolicyDocument(input)).toThrow(message);
  });
});

describe('policyHash', () => {
  it('is independent of key order and whitespace, so identical documents dedupe', () => {
    const reordered: PolicyDocument = {
      Statement: [{ Resource: 'arn:aws:s3:::acme-prod-raw/*', Action: ['s3:GetObject'], Effect: 'Allow' }],
      Version: '2012-10-17',
    };
    expect(policyHash(decodePolicyDocument(urlEncoded))).toBe(policyHash(reordered));
    expect(canonicalJson(reordered)).toBe(
      '{"Statement":[{"Action":["s3:GetObject"],"Effect":"Allow","Resource":"arn:aws:s3:::acme-prod-raw/*"}],"Version":"2012-10-17"}',
    );
    expect(policyHash(document)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs when anything meaningful differs, including array order', () => {
    const other: PolicyDocument = { ...document, Statement: [{ ...statement, Action: ['s3:PutObject'] }] };
    expect(policyHash(other)).not.toBe(policyHash(document));
    const twoActions = (a: string[]) => policyHash({ Statement: [{ Effect: 'Allow', Action: a, Resource: '*' }] });
    expect(twoActions(['s3:GetObject', 's3:PutObject'])).not.toBe(twoActions(['s3:PutObject', 's3:GetObject']));
  });
});
