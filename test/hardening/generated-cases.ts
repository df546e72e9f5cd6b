/**
 * Counts the generated cases the hardening suites run, and prints the total
 * per suite when it ends (the issue asks for the figure in the test output).
 */
import fc from 'fast-check';
import { afterAll } from 'vitest';

/** The seed CI runs with (see run()). */
const CI_SEED = 20261121;

type AnyProperty = fc.IProperty<[unknown, ...unknown[]]> | fc.IAsyncProperty<[unknown, ...unknown[]]>;

export function caseCounter(suite: string): { run: (property: AnyProperty, runs: number) => Promise<void> } {
  let total = 0;
  afterAll(() => {
    console.log(`${suite}: ${total} generated cases ran`);
  });
  return {
    async run(property: AnyProperty, runs: number) {
      // A seed from the environment reproduces a failure. CI runs a fixed seed so a red build is reproducible
      // (and not a roll of the dice); elsewhere fast-check picks one and prints it on failure.
      const fromEnv = process.env.KEYWARDEN_FUZZ_SEED ?? (process.env.CI ? String(CI_SEED) : undefined);
      const seed = fromEnv ? Number(fromEnv) : undefined;
      await fc.assert(property as fc.IAsyncProperty<[unknown, ...unknown[]]>, { numRuns: runs, ...(seed === undefined ? {} : { seed }) });
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
