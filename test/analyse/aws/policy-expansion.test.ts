import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsActionCatalog } from '../../../src/catalog/aws-actions.js';
import { loadAwsActionCatalog } from '../../../src/catalog/aws-actions.js';
import { countInStatement, expandPolicyDocument, firstInStatement, PolicyExpander, unionOfStatements, wordSpan, type ExpandedPolicy } from '../../../src/analyse/aws/policy-expansion.js';
import { ActionSet } from '../../../src/catalog/action-set.js';

let catalog: AwsActionCatalog;
beforeAll(async () => {
  catalog = await loadAwsActionCatalog();
});

function expandOk(document: unknown): ExpandedPolicy {
  const result = expandPolicyDocument(catalog, 'test', document);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(document)} to parse: ${result.error.message}`);
  return result.policy;
}

const keysOf = (policy: ExpandedPolicy, i = 0) => policy.statements[i]!.actions.toArray().map((x) => catalog.keyAt(x));

const canonical = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::data', 'arn:aws:s3:::data/*'] },
  ],
};

describe('policy document shapes', () => {
  // Every shape exports use for the same policy.
  const shapes: [string, unknown][] = [
    ['object', canonical],
    ['JSON string', JSON.stringify(canonical)],
    ['pretty JSON string with surrounding whitespace', `\n  ${JSON.stringify(canonical, null, 2)}\n`],
    ['URL-encoded JSON (raw IAM API)', encodeURIComponent(JSON.stringify(canonical, null, 4))],
    ['Statement as one object', { ...canonical, Statement: canonical.Statement[0] }],
    ['Resource list with Action as a list', { Statement: [{ ...canonical.Statement[0] }] }],
  ];

  it.each(shapes)('%s', (_label, document) => {
    const policy = expandOk(document);
    expect(policy.statements).toHaveLength(1);
    const [s] = policy.statements;
    expect(s).toMatchObject({ index: 0, sid: 'Read', effect: 'Allow', notAction: false, unrestricted: false });
    expect(s!.resources).toEqual(['arn:aws:s3:::data', 'arn:aws:s3:::data/*']);
    expect(keysOf(policy).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
  });

  it('Action as a single string equals Action as a one-element list', () => {
    const single = expandOk({ Statement: { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' } });
    const list = expandOk({ Statement: [{ Effect: 'Allow', Action: ['iam:PassRole'], Resource: ['*'] }] });
    expect(single.allow.equals(list.allow)).toBe(true);
    expect(single.statements[0]!.resources).toEqual(['*']);
  });

  it('an empty Condition block counts as no condition', () => {
    const policy = expandOk({ Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: {} } });
    expect(policy.statements[0]!.condition).toBeUndefined();
    expect(policy.statements[0]!.unrestricted).toBe(true);
  });
});

describe('malformed policy documents give an error value, never a throw', () => {
  const stmt = { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' };
  // [label, document, message, statement index]
  const invalid: [string, unknown, RegExp, number | undefined][] = [
    ['text that is not JSON', 'Allow everything please', /not JSON/, undefined],
    ['URL-encoded garbage', '%7B%22Statement%22%3A', /neither JSON nor URL-encoded JSON/, undefined],
    ['empty string', '', /empty string/, undefined],
    ['null', null, /must be a JSON object, got null/, undefined],
    ['a JSON array', '[1,2]', /must be a JSON object, got an array/, undefined],
    ['no Statement', { Version: '2012-10-17' }, /no Statement/, undefined],
    ['statement that is a string', { Statement: ['oops'] }, /statement must be an object/, 0],
    ['lower-case effect', { Statement: [stmt, { ...stmt, Effect: 'allow' }] }, /Effect must be "Allow" or "Deny", got the string "allow"/, 1],
    ['missing Effect', { Statement: { Action: 's3:*', Resource: '*' } }, /Effect must be/, 0],
    ['both Action and NotAction', { Statement: { ...stmt, NotAction: 'iam:*' } }, /exactly one of Action or NotAction/, 0],
    ['neither Action nor NotAction', { Statement: { Effect: 'Allow', Resource: '*' } }, /exactly one of Action or NotAction/, 0],
    ['no Resource', { Statement: { Effect: 'Allow', Action: 's3:*' } }, /exactly one of Resource or NotResource/, 0],
    ['Action with a number', { Statement: { ...stmt, Action: ['s3:GetObject', 42] } }, /Action must be a string or a list of strings, found number 42/, 0],
    ['empty Action list', { Statement: { ...stmt, Action: [] } }, /Action is an empty list/, 0],
    ['Condition as a string', { Statement: { ...stmt, Condition: 'MFA' } }, /Condition must be an object/, 0],
    ['Condition operator without keys', { Statement: { ...stmt, Condition: { Bool: true } } }, /Condition operator Bool must map/, 0],
    ['numeric Sid', { Statement: { ...stmt, Sid: 7 } }, /Sid must be a string/, 0],
  ];

  it.each(invalid)('%s', (_label, document, message, statementIndex) => {
    const result = expandPolicyDocument(catalog, 'h1', document);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.hash).toBe('h1');
    expect(result.error.message).toMatch(message);
    expect(result.error.statementIndex).toBe(statementIndex);
  });
});

describe('statement expansion', () => {
  it('Allow NotAction means every other action in every service', () => {
    const policy = expandOk({ Statement: { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' } });
    const iam = catalog.service('iam')!;
    expect(policy.allow.size).toBe(catalog.size - (iam.end - iam.start));
    expect(policy.allow.has(catalog.indexOf('s3:GetObject')!)).toBe(true);
    expect(policy.allow.has(catalog.indexOf('ec2:RunInstances')!)).toBe(true);
    expect(policy.allow.has(catalog.indexOf('iam:PassRole')!)).toBe(false);
    expect(policy.statements[0]!.notAction).toBe(true);
    expect(policy.allowUnrestricted.equals(policy.allow)).toBe(true);
  });

  it('keeps patterns the catalog does not know, from Action and from NotAction', () => {
    const policy = expandOk({
      Statement: [
        { Effect: 'Allow', Action: ['s3:GetObject', 'newsvc:DoThing', 's3:GetObjekt'], Resource: '*' },
        { Effect: 'Deny', NotAction: ['iam:*', 'madeup:*'], Resource: '*' },
      ],
    });
    expect(policy.statements[0]!.unknownPatterns).toEqual(['newsvc:DoThing', 's3:GetObjekt']);
    expect(keysOf(policy)).toEqual(['s3:GetObject']);
    expect(policy.statements[1]!.unknownPatterns).toEqual(['madeup:*']);
  });

  // [label, statement, unrestricted, lands in]
  const scopes: [string, object, boolean, 'allowUnrestricted' | 'allow' | 'denyFull' | 'denyPartial'][] = [
    ['Allow on *', { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }, true, 'allowUnrestricted'],
    ['Allow on a list containing *', { Effect: 'Allow', Action: 's3:GetObject', Resource: ['arn:aws:s3:::a/*', '*'] }, true, 'allowUnrestricted'],
    ['Allow on a bucket', { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::a/*' }, false, 'allow'],
    ['Allow on arn:aws:s3:::* (still a resource pattern)', { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::*' }, false, 'allow'],
    ['Allow with a Condition', { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }, false, 'allow'],
    ['Allow with NotResource', { Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::secret/*' }, true, 'allowUnrestricted'],
    ['Deny on *', { Effect: 'Deny', Action: 's3:GetObject', Resource: '*' }, true, 'denyFull'],
    ['Deny on a bucket', { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::prod/*' }, false, 'denyPartial'],
    ['Deny with NotResource', { Effect: 'Deny', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::public/*' }, false, 'denyPartial'],
    ['Deny on * with a Condition', { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } }, false, 'denyPartial'],
  ];

  it.each(scopes)('%s', (_label, statement, unrestricted, landsIn) => {
    const policy = expandOk({ Statement: statement });
    const getObject = catalog.indexOf('s3:GetObject')!;
    expect(policy.statements[0]!.unrestricted).toBe(unrestricted);
    expect(policy.allow.has(getObject)).toBe(landsIn === 'allow' || landsIn === 'allowUnrestricted');
    expect(policy.allowUnrestricted.has(getObject)).toBe(landsIn === 'allowUnrestricted');
    expect(policy.denyFull?.has(getObject) ?? false).toBe(landsIn === 'denyFull');
    expect(policy.denyPartial?.has(getObject) ?? false).toBe(landsIn === 'denyPartial');
  });

  it('keeps the Condition verbatim', () => {
    const condition = { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'lambda.amazonaws.com'] }, Bool: { 'aws:ViaAWSService': false } };
    const policy = expandOk({ Statement: { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: condition } });
    expect(policy.statements[0]!.condition).toEqual(condition);
  });
});

describe('PolicyExpander', () => {
  it('expands each hash once', () => {
    const expander = new PolicyExpander(catalog);
    const first = expander.expand('abc', canonical);
    expect(expander.expand('abc', canonical)).toBe(first);
    expect(expander.expand('def', JSON.stringify(canonical))).not.toBe(first);
    expect(expander.size).toBe(2);
  });

  it('caches failures too, so a bad policy is reported the same way for every holder', () => {
    const expander = new PolicyExpander(catalog);
    const bad = expander.expand('bad', '{"Statement": ');
    expect(bad.ok).toBe(false);
    expect(expander.expand('bad', '{"Statement": ')).toBe(bad);
  });
});

describe('statement spans and statement-level set operations', () => {
  const statements = () =>
    expandOk({
      Statement: [
        { Effect: 'Allow', Action: 's3:Get*', Resource: '*' },
        { Effect: 'Allow', Action: ['iam:PassRole', 'sts:AssumeRole'], Resource: '*' },
        { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' },
        { Effect: 'Allow', Action: 'nosuchservice:Thing', Resource: '*' },
      ],
    }).statements;

  it('span covers exactly the words holding members', () => {
    for (const s of statements()) {
      const { start, end } = s.span;
      const words = s.actions.words;
      expect(wordSpan(s.actions)).toEqual(s.span);
      if (s.actions.isEmpty()) {
        expect(start).toBe(end);
        continue;
      }
      expect(words[start]).not.toBe(0);
      expect(words[end - 1]).not.toBe(0);
      for (let w = 0; w < words.length; w++) if (w < start || w >= end) expect(words[w]).toBe(0);
    }
    const [gets] = statements();
    expect(gets!.span.end - gets!.span.start).toBeLessThan(gets!.actions.words.length / 10);
  });

  it('union, count and first members agree with the plain set operations', () => {
    const list = statements();
    const union = unionOfStatements(catalog.size, list);
    const expected = ActionSet.empty(catalog.size);
    for (const s of list) expected.unionWith(s.actions);
    expect(union.equals(expected)).toBe(true);
    const iam = catalog.expandToSet('iam:*');
    for (const s of list) {
      const both = s.actions.intersect(iam);
      expect(countInStatement(s, iam)).toBe(both.size);
      expect(firstInStatement(s, iam, 5)).toEqual(both.toArray().slice(0, 5));
    }
    expect(firstInStatement(list[1]!, catalog.all(), 50).map((i) => catalog.keyAt(i))).toEqual(['iam:PassRole', 'sts:AssumeRole']);
  });
});
