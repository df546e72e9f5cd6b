/**
 * schema-conform.ts: zod's parse without the copies parse would only make.
 * Whatever it returns reads and writes as parse's result; what parse would
 * return unchanged is the value itself; anything it cannot vouch for is
 * MISMATCH, left to parse (which normalises, or throws its own error).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { reportSchema } from '../../src/report/json-schema.js';
import { evidenceOf, validatedReport } from '../../src/report/json-report.js';
import { MISMATCH, SchemaNormalizer } from '../../src/report/schema-conform.js';
import { lazyEvidence } from '../../src/rules/lazy-evidence.js';
import type { Evidence } from '../../src/model/finding.js';

const item = z.object({
  name: z.string(),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  count: z.number().int(),
  ratio: z.number().nullable(),
  status: z.enum(['used', 'unused']),
  tags: z.record(z.string(), z.string()),
  detail: z.record(z.string(), z.unknown()).optional(),
  flags: z.array(z.boolean()),
});
const list = z.array(item);

/** parse's answer, or undefined when it throws. */
function parsed(schema: z.ZodType, value: unknown): unknown {
  const r = schema.safeParse(value);
  return r.success ? r.data : undefined;
}

describe('SchemaNormalizer', () => {
  it('returns what parse returns, byte for byte as JSON, for values in and out of shape (fast-check)', () => {
    const key = fc.constantFrom('name', 'day', 'count', 'ratio', 'status', 'tags', 'detail', 'flags', 'extra', '__proto__', 'constructor');
    const anyValue = fc.oneof(
      fc.string(),
      fc.constantFrom('2026-11-15', '2026-1-1', 'used', 'unused', 'x'),
      fc.integer(),
      fc.double(),
      fc.constantFrom(null, undefined, true, false, Number.NaN, 2 ** 60),
      fc.array(fc.boolean()),
      fc.dictionary(fc.string(), fc.string()),
      fc.dictionary(fc.string(), fc.jsonValue()),
    );
    const wellFormed = fc.record(
      {
        name: fc.string(),
        day: fc.constantFrom('2026-11-15', undefined),
        count: fc.integer(),
        ratio: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null)),
        status: fc.constantFrom('used', 'unused'),
        tags: fc.dictionary(fc.string(), fc.string()),
        detail: fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: undefined }),
        flags: fc.array(fc.boolean()),
      },
      { requiredKeys: ['name', 'count', 'ratio', 'status', 'tags', 'flags'] },
    );
    // Well-formed objects with their keys shuffled, some added, some replaced.
    const object = fc
      .tuple(wellFormed, fc.array(fc.tuple(key, anyValue), { maxLength: 3 }), fc.boolean())
      .map(([base, changes, shuffle]) => {
        const entries: [string, unknown][] = Object.entries(base);
        if (shuffle) entries.reverse();
        const out: Record<string, unknown> = {};
        for (const [k, v] of entries) out[k] = v;
        for (const [k, v] of changes) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        return out;
      });
    const seen = { same: 0, copied: 0, left: 0 };
    fc.assert(
      fc.property(fc.array(object, { maxLength: 4 }), (values) => {
        const expected = parsed(list, values);
        const out = new SchemaNormalizer().normalized(list, values);
        seen[out === MISMATCH ? 'left' : out === values ? 'same' : 'copied']++;
        if (out === MISMATCH) return;
        // Never accepts what parse rejects, and reads as parse's result.
        expect(expected).toBeDefined();
        expect(JSON.stringify(out)).toBe(JSON.stringify(expected));
        expect(out).toEqual(expected);
      }),
      { numRuns: 1500 },
    );
    // Each path taken often enough to mean something.
    expect(Math.min(seen.same, seen.copied, seen.left)).toBeGreaterThan(100);
  });

  it('returns a value already in shape itself, copies one out of order or with stripped keys, and shares what it did not change', () => {
    const tags = { team: 'a' };
    const inShape = { name: 'x', count: 1, ratio: null, status: 'used', tags, flags: [true] };
    const normalizer = new SchemaNormalizer();
    expect(normalizer.normalized(item, inShape)).toBe(inShape);
    const reordered = { count: 1, name: 'x', ratio: null, status: 'used', tags, flags: [true], extra: 1 };
    const out = normalizer.normalized(item, reordered) as Record<string, unknown>;
    expect(out).not.toBe(reordered);
    expect(Object.keys(out)).toEqual(['name', 'count', 'ratio', 'status', 'tags', 'flags']);
    expect(out.tags).toBe(tags);
    // One object under two parents: normalised once, the result shared.
    const both = normalizer.normalized(list, [reordered, reordered]) as unknown[];
    expect(both[0]).toBe(both[1]);
  });

  it('leaves to parse what it cannot vouch for', () => {
    const base = { name: 'x', count: 1, ratio: null, status: 'used', tags: {}, flags: [] };
    const n = new SchemaNormalizer();
    for (const bad of [
      { ...base, count: 1.5 },
      { ...base, count: Number.MAX_SAFE_INTEGER + 2 },
      { ...base, ratio: Number.NaN },
      { ...base, status: 'maybe' },
      { ...base, day: '15/11/2026' },
      { ...base, tags: { a: 1 } },
      { ...base, tags: { [Symbol('s')]: 'x' } },
      { ...base, flags: [1] },
      Object.assign(Object.create({ inherited: 1 }), base),
      new (class Item {
        name = 'x';
      })(),
      (({ name: _name, ...rest }) => rest)(base),
    ]) {
      expect(n.normalized(item, bad), JSON.stringify(bad)).toBe(MISMATCH);
    }
  });
});

describe('validatedReport', () => {
  const evidence: Evidence[] = [{ kind: 'note', summary: 'built', detail: { n: 1 } }];
  const report = () =>
    ({
      schemaVersion: '1.2',
      tool: { version: 'test', name: 'keywarden' },
      generatedAt: '2026-11-15T12:00:00.000Z',
      scan: { id: 1, source: 'test', collectedAt: '2026-11-15T12:00:00.000Z' },
      window: { from: '2026-09-16', to: '2026-11-15', days: 60 },
      accounts: [],
      coverage: { complete: true, entries: [] },
      cloudTrail: { unmappedEvents: [] },
      rules: [{ ruleId: 'r', pass: 0, fail: 1, notApplicable: 0, error: 0, title: 'R', severity: 'high' }],
      findings: [
        lazyEvidence({ severity: 'high', title: 'T', ruleId: 'r', identityArn: 'arn:a', accountId: '1', fingerprint: 'f', granular: 'G' }, () => evidence.map((e) => ({ ...e }))),
      ],
      summary: { findingsBySeverity: {}, agentIdentities: 0, identities: 0, grantedActions: 0, usedActions: 0, unusedActions: 0, unknownActions: 0 },
      identities: [],
    }) as unknown as Parameters<typeof validatedReport>[0];

  it('is parse\'s report, its evidence still unbuilt and validated when built', () => {
    const source = report();
    const out = validatedReport(source);
    expect(JSON.stringify(out)).toBe(JSON.stringify(reportSchema.parse(report())));
    expect(out.tool).not.toBe(source.tool);
    expect(out.coverage).toBe(source.coverage);
    expect(Object.keys(out.findings[0]!)).toEqual(Object.keys(reportSchema.parse(report()).findings[0]!));
    expect(evidenceOf(out.findings[0]!)).toEqual(evidence);
  });

  it('throws parse\'s error for a report parse rejects, and for evidence that breaks the schema when it is built', () => {
    const broken = report();
    (broken.rules[0] as { pass: unknown }).pass = 'none';
    expect(() => validatedReport(broken)).toThrow(z.ZodError);
    const badEvidence = report();
    badEvidence.findings[0] = lazyEvidence({ ...reportSchema.parse(report()).findings[0]!, evidence: undefined } as never, () => [{ kind: 'note' } as unknown as Evidence]);
    const out = validatedReport(badEvidence);
    expect(() => evidenceOf(out.findings[0]!)).toThrow(z.ZodError);
  });
});
