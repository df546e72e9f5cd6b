import { beforeAll, describe, expect, it } from 'vitest';
import { ActionSet } from '../../src/catalog/action-set.js';
import { AwsActionCatalog, loadAwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { ACCESS_LEVELS } from '../../src/model/domain.js';

let catalog: AwsActionCatalog;
beforeAll(async () => {
  catalog = await loadAwsActionCatalog();
});

const keys = (pattern: string): string[] => catalog.expand(pattern).indices.map((i) => catalog.keyAt(i));

describe('AWS action catalog from iam-data', () => {
  it('loads every service once and shares the instance', async () => {
    expect(catalog.size).toBeGreaterThan(20_000);
    expect(catalog.services().length).toBeGreaterThan(400);
    expect(await loadAwsActionCatalog()).toBe(catalog);
    // services occupy contiguous, non-overlapping ranges covering every index
    let next = 0;
    for (const range of catalog.services()) {
      expect(range.start).toBe(next);
      next = range.end;
    }
    expect(next).toBe(catalog.size);
    expect(catalog.service('s3')?.title).toBe('Amazon S3');
  });

  it.each([
    ['s3:GetObject', 'Read'],
    ['s3:ListBucket', 'List'],
    ['s3:PutObject', 'Write'],
    ['s3:PutObjectTagging', 'Tagging'], // "Tagging, Write" in the data
    ['iam:AttachUserPolicy', 'Permissions management'], // "Permissions management, Write"
    ['iam:PassRole', 'Write'],
    ['ec2:DescribeInstances', 'List'],
  ])('%s has access level %s', (action, level) => {
    const index = catalog.indexOf(action);
    expect(index).toBeDefined();
    expect(catalog.actionAt(index!)).toEqual({
      service: action.split(':')[0],
      name: action.split(':')[1],
      key: action,
      accessLevel: level,
    });
  });

  it('every action has one of the five domain access levels, and each level occurs', () => {
    const seen = new Set<string>();
    for (let i = 0; i < catalog.size; i++) seen.add(catalog.accessLevelAt(i));
    expect([...seen].sort()).toEqual([...ACCESS_LEVELS].sort());
    const perLevel = ACCESS_LEVELS.map((l) => catalog.withAccessLevel(l).size);
    expect(perLevel.reduce((a, b) => a + b, 0)).toBe(catalog.size);
  });

  it.each([
    ['IAM:passrole', 'iam:PassRole'],
    ['s3:getobject', 's3:GetObject'],
    ['EC2:DESCRIBEINSTANCES', 'ec2:DescribeInstances'],
  ])('indexOf(%s) finds %s case-insensitively', (query, key) => {
    expect(catalog.keyAt(catalog.indexOf(query)!)).toBe(key);
  });

  it.each(['s3:GetObjekt', 'notaservice:GetThing', 'GetObject', 's3:*', ''])('indexOf(%j) is undefined', (query) => {
    expect(catalog.indexOf(query)).toBeUndefined();
  });
});

describe('IAM wildcard expansion', () => {
  // [pattern, must include, must not include, every key matches]
  const valid: [string, string[], string[], RegExp][] = [
    ['s3:*', ['s3:GetObject', 's3:PutBucketPolicy'], ['s3-outposts:GetObject', 's3express:CreateSession'], /^s3:/],
    ['s3:Get*', ['s3:GetObject', 's3:GetBucketPolicy'], ['s3:PutObject', 's3:ListBucket'], /^s3:Get/],
    ['S3:GET*', ['s3:GetObject'], ['s3:PutObject'], /^s3:Get/],
    ['s3:*Object*', ['s3:GetObject', 's3:PutObject', 's3:DeleteObjectVersion'], ['s3:ListBucket', 's3:CreateBucket'], /^s3:.*Object/],
    ['s3:GetObjec?', ['s3:GetObject'], ['s3:GetObjectAcl'], /^s3:GetObject$/],
    ['s3:?etObject', ['s3:GetObject'], ['s3:PutObject'], /^s3:GetObject$/],
    ['*:Get*', ['s3:GetObject', 'iam:GetRole', 'ec2:GetConsoleOutput'], ['iam:ListRoles', 's3:PutObject'], /^[^:]+:Get/],
    ['ec2:Describe*', ['ec2:DescribeInstances', 'ec2:DescribeSecurityGroups'], ['ec2:RunInstances'], /^ec2:Describe/],
    ['iam:PassRole', ['iam:PassRole'], ['iam:PassRoles'], /^iam:PassRole$/],
    ['iam:*AccessKey*', ['iam:CreateAccessKey', 'iam:UpdateAccessKey', 'iam:ListAccessKeys'], ['iam:CreateUser'], /^iam:.*AccessKey/],
  ];

  it.each(valid)('%s', (pattern, included, excluded, shape) => {
    const result = catalog.expand(pattern);
    expect(result.known).toBe(true);
    const matched = keys(pattern);
    for (const k of included) expect(matched).toContain(k);
    for (const k of excluded) expect(matched).not.toContain(k);
    // matching is case-insensitive (apigateway:GET matches *:Get*)
    for (const k of matched) expect(k).toMatch(new RegExp(shape.source, 'i'));
  });

  it('* matches the whole catalog and s3:* exactly the s3 range', () => {
    expect(catalog.expand('*').indices.length).toBe(catalog.size);
    const s3 = catalog.service('s3')!;
    expect(catalog.expand('s3:*').indices).toEqual(Array.from({ length: s3.end - s3.start }, (_, i) => s3.start + i));
  });

  it('? matches exactly one character', () => {
    expect(keys('s3:GetObject?')).not.toContain('s3:GetObject');
    expect(keys('iam:?assRole')).toEqual(['iam:PassRole']);
  });

  // Patterns that match nothing in the catalog: kept by callers as unknown, never dropped.
  it.each(['s3:GetObjekt', 'notaservice:GetThing', 'notaservice:*', 's3:Nothing*', 'GetObject', ''])('%j is unknown', (pattern) => {
    expect(catalog.expand(pattern)).toEqual({ indices: [], known: false });
  });

  it('caches each distinct pattern, case-insensitively', () => {
    expect(catalog.expand('s3:Get*')).toBe(catalog.expand('S3:get*'));
    expect(catalog.expandToSet('s3:Get*')).toBe(catalog.expandToSet('s3:GET*'));
    expect(catalog.expandToSet('s3:Get*').toArray()).toEqual(catalog.expand('s3:Get*').indices);
  });
});

describe('ActionSet', () => {
  const n = 100;
  const a = ActionSet.of(n, [0, 1, 31, 32, 63, 64, 99]);
  const b = ActionSet.of(n, [1, 32, 50, 99]);

  it.each([
    ['union', a.union(b), [0, 1, 31, 32, 50, 63, 64, 99]],
    ['intersect', a.intersect(b), [1, 32, 99]],
    ['subtract', a.subtract(b), [0, 31, 63, 64]],
  ])('%s', (_name, result, expected) => {
    expect(result.toArray()).toEqual(expected);
    expect([...result]).toEqual(expected);
    expect(result.size).toBe(expected.length);
  });

  it('leaves operands untouched by the non-mutating operations', () => {
    expect(a.toArray()).toEqual([0, 1, 31, 32, 63, 64, 99]);
    expect(b.toArray()).toEqual([1, 32, 50, 99]);
  });

  it('complement stays within capacity', () => {
    const c = a.complement();
    expect(c.size).toBe(n - a.size);
    expect(c.has(99)).toBe(false);
    expect(c.has(100)).toBe(false);
    expect(ActionSet.full(n).size).toBe(n);
    expect(ActionSet.full(n).complement().isEmpty()).toBe(true);
  });

  it('has, countRange, subset and intersects', () => {
    expect(a.has(31)).toBe(true);
    expect(a.has(30)).toBe(false);
    expect(a.has(-1)).toBe(false);
    expect(a.countRange(1, 64)).toBe(4); // 1, 31, 32, 63
    expect(a.countRange(0, 100)).toBe(a.size);
    expect(ActionSet.of(n, [1, 32]).isSubsetOf(a)).toBe(true);
    expect(b.isSubsetOf(a)).toBe(false);
    expect(a.intersects(b)).toBe(true);
    expect(ActionSet.of(n, [2]).intersects(a)).toBe(false);
    expect(ActionSet.empty(n).addRange(3, 70).toArray()).toEqual(Array.from({ length: 67 }, (_, i) => i + 3));
  });

  it('rejects out-of-range indices and sets of another size', () => {
    expect(() => ActionSet.empty(n).add(100)).toThrow(/index 100 outside 0..99/);
    expect(() => a.union(ActionSet.empty(64))).toThrow(/capacity mismatch/);
  });

  it('none() is one empty set per catalog that refuses members; its copies and operations on it are ordinary sets', () => {
    const none = catalog.none();
    expect(catalog.none()).toBe(none);
    const s3 = catalog.service('s3')!;
    expect(() => none.add(s3.start)).toThrow(/shared empty set cannot be filled/);
    expect(() => none.addRange(s3.start, s3.end)).toThrow(/shared empty set/);
    expect(() => none.unionWith(catalog.all())).toThrow(/shared empty set/);
    expect(() => none.assignRange(catalog.all(), s3.start, s3.end)).toThrow(/shared empty set/);
    // Operations that cannot add a member leave it empty, as on any empty set.
    none.intersectWith(catalog.all()).subtractWith(catalog.all()).delete(s3.start);
    const filled = none.clone().addRange(s3.start, s3.end);
    expect(filled.size).toBe(s3.end - s3.start);
    expect(none.union(catalog.all()).size).toBe(catalog.size);
    expect(none.complement().size).toBe(catalog.size);
    expect(none.isEmpty()).toBe(true);
  });

  it('tally counts per service and access level like a naive count', () => {
    const set = catalog.expandToSet('*:Get*').union(catalog.expandToSet('iam:*')).union(catalog.expandToSet('s3:Put*'));
    const levels = ACCESS_LEVELS.length;
    const naive = new Map<number, number[]>();
    set.forEach((i) => {
      const si = catalog.serviceIndexAt(i);
      if (!naive.has(si)) naive.set(si, new Array<number>(levels).fill(0));
      naive.get(si)![ACCESS_LEVELS.indexOf(catalog.accessLevelAt(i))]! += 1;
    });
    const tally = catalog.tally(set);
    expect(tally.services).toEqual([...naive.keys()].sort((a, b) => a - b));
    tally.services.forEach((si, k) => expect([...tally.counts.slice(k * levels, (k + 1) * levels)]).toEqual(naive.get(si)));
    expect(tally.counts.reduce((x, y) => x + y, 0)).toBe(set.size);
    expect(catalog.tally(catalog.none())).toEqual({ services: [], counts: new Uint32Array(0) });
    expect(catalog.tally(catalog.all()).services).toHaveLength(catalog.services().length);
  });
});

describe('catalog data errors', () => {
  it('names the action with an access level it cannot map', () => {
    expect(() => new AwsActionCatalog([['svc', { getthing: { name: 'GetThing', accessLevel: 'Bogus' } }]])).toThrow(
      /unknown access level "Bogus" for svc:getthing/,
    );
  });

  it('names the action whose name does not match its key', () => {
    expect(() => new AwsActionCatalog([['svc', { getthing: { name: 'PutThing', accessLevel: 'Read' } }]])).toThrow(/svc:getthing/);
  });

  it('builds a small catalog in sorted order whatever the input order', () => {
    const small = new AwsActionCatalog([
      ['b', { zed: { name: 'Zed', accessLevel: 'Write' }, alpha: { name: 'Alpha', accessLevel: 'Tagging, Write' } }],
      ['a', { one: { name: 'One', accessLevel: 'List' } }],
    ]);
    expect(Array.from({ length: small.size }, (_, i) => small.keyAt(i))).toEqual(['a:One', 'b:Alpha', 'b:Zed']);
    expect(small.actionAt(1).accessLevel).toBe('Tagging');
    expect(small.expand('*:?ne').indices).toEqual([0]);
    expect(small.tally(small.all())).toEqual({ services: [0, 1], counts: Uint32Array.from([1, 0, 0, 0, 0, 0, 0, 1, 1, 0]) });
  });
});

describe('ActionSet.forEachInRange', () => {
  it('visits exactly the members inside the range, in order, and can stop early', () => {
    const set = ActionSet.of(100, [0, 5, 31, 32, 33, 63, 64, 70, 99]);
    const seen: number[] = [];
    set.forEachInRange(5, 70, (i) => void seen.push(i));
    expect(seen).toEqual([5, 31, 32, 33, 63, 64]);
    const firstTwo: number[] = [];
    set.forEachInRange(0, 100, (i) => (firstTwo.push(i), firstTwo.length < 2));
    expect(firstTwo).toEqual([0, 5]);
  });
});
