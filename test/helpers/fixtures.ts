/**
 * Access to the real-world export fixtures in ../shared/fixtures. They are
 * not part of this repository: tests that need them skip with a clear
 * message when ../shared is absent, and fail when it is there but unreadable.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedDir = path.resolve(projectRoot, '../shared');
export const fixturesDir = path.join(sharedDir, 'fixtures');

export const haveFixtures = existsSync(sharedDir);

/**
 * Absolute path of a fixture; throws (failing the test) if ../shared exists but
 * the file cannot be read. Without ../shared it only returns the path: the
 * describeFixtures blocks that use it are skipped, but vitest still runs their
 * bodies to collect the tests.
 */
export function fixture(relative: string): string {
  const file = path.join(fixturesDir, relative);
  if (haveFixtures) accessSync(file, constants.R_OK);
  return file;
}

/** `describe` that skips, saying why, when ../shared/fixtures is not beside the project. */
export const describeFixtures: typeof describe = haveFixtures
  ? describe
  : // The body is not run at all (vitest would run a skipped block's body to collect it, reading fixtures).
    (((name: string) =>
      describe.skip(`${name} (skipped: ../shared/fixtures not found beside the project)`, () => {
        it.skip('needs ../shared/fixtures', () => {});
      })) as unknown as typeof describe);
