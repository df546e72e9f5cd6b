/**
 * Counts the generated cases the hardening suites run, and prints the total
 * per suite when it ends (the issue asks for the figure in the test output).
 */
import fc from 'fast-check';
import { afterAll } from 'vitest';

type AnyProperty = fc.IProperty<[unknown, ...unknown[]]> | fc.IAsyncProperty<[unknown, ...unknown[]]>;

/**
 * The seed of this run: KEYWARDEN_FUZZ_SEED replays one; otherwise a fresh
 * one every run, CI included, so each build explores new cases. It is
 * printed before any case runs, on stderr, so even a run whose worker dies
 * names the seed that replays it.
 */
function seedOf(suite: string): number {
  const fromEnv = process.env.KEYWARDEN_FUZZ_SEED;
  const seed = fromEnv ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`KEYWARDEN_FUZZ_SEED must be a whole number, got ${JSON.stringify(fromEnv)}`);
  process.stderr.write(`${suite}: fast-check seed ${seed} (KEYWARDEN_FUZZ_SEED=${seed} replays this run)\n`);
  return seed;
}

export function caseCounter(suite: string): { run: (property: AnyProperty, runs: number) => Promise<void> } {
  let total = 0;
  const seed = seedOf(suite);
  afterAll(() => {
    console.log(`${suite}: ${total} generated cases ran (seed ${seed})`);
  });
  return {
    async run(property: AnyProperty, runs: number) {
      await fc.assert(property as fc.IAsyncProperty<[unknown, ...unknown[]]>, { numRuns: runs, seed });
      total += runs;
    },
  };
}

/** Strings that break naive parsers: huge, control characters, lone surrogates, deep brackets. */
export function hostileString(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 50 }),
    fc.constantFrom('', '{', '[', '{"Records": [', '%7B', '%7Bnot', '\u0000', '\ud800', '"', '\\', '[]', '{}', 'null'),
    fc.integer({ min: 1, max: 50_000 }).map((n) => '['.repeat(n)),
    fc.integer({ min: 1, max: 20_000 }).map((n) => '{"a":'.repeat(n)),
    fc.integer({ min: 100_000, max: 400_000 }).map((n) => 'x'.repeat(n)),
  );
}

/** Runs fn and returns the error it threw, if any. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error;
  }
}
