/**
 * bin/bundle.js: the CLI run from a bundle of its sources. Checked on a small
 * tree of its own (so the test never writes into the project's cache): the
 * bundle is named by the sources' content, rebuilt when one changes and
 * reused otherwise, modules still find files beside their sources, and
 * commands loaded on demand stay out of the entry chunk.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundledCli, pruneUnused, sourceKey } from '../../bin/bundle.js';
import { projectRoot } from '../helpers/fixtures.js';

let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'keywarden-bundle-'));
  mkdirSync(path.join(root, 'node_modules'));
  symlinkSync(path.join(projectRoot, 'node_modules', 'esbuild'), path.join(root, 'node_modules', 'esbuild'));
  write('src/cli/main.ts', [
    `import { readFileSync } from 'node:fs';`,
    `import { greeting } from '../words.js';`,
    `export async function main(argv: string[]): Promise<string> {`,
    `  const asset = readFileSync(new URL('./asset.txt', import.meta.url), 'utf8').trim();`,
    `  if (argv.includes('--later')) return (await import('./later.js')).later();`,
    `  return greeting() + ' ' + asset;`,
    `}`,
  ].join('\n'));
  write('src/cli/asset.txt', 'from beside the source');
  write('src/cli/later.ts', `export const later = (): string => 'loaded on demand';`);
  write('src/words.ts', `export const greeting = (): string => 'hello';`);
  write('scheduler/job.ts', `export const job = 1;`);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(file: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
}

/** Runs the bundle's main in a fresh Node process (no TypeScript loader), as bin/keywarden.js does. */
function runBundle(entry: URL, ...args: string[]): string {
  const script = `const { main } = await import(${JSON.stringify(entry.href)}); process.stdout.write(await main(${JSON.stringify(args)}));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return run.stdout;
}

describe('the CLI bundle', () => {
  it('runs the sources without tsx, finding files beside them, with on-demand modules in chunks of their own', async () => {
    const entry = await bundledCli(root);
    expect(runBundle(entry)).toBe('hello from beside the source');
    expect(runBundle(entry, '--later')).toBe('loaded on demand');
    const dir = path.dirname(entry.pathname);
    expect(readFileSync(entry, 'utf8')).not.toContain('loaded on demand');
    expect(readdirSync(dir).some((f) => f.startsWith('later-') && f.endsWith('.mjs'))).toBe(true);
    // Source maps, for --debug stack traces.
    expect(readdirSync(dir)).toContain('main.mjs.map');
  });

  it('is reused while the sources are the same, and made anew when one changes', async () => {
    const first = await bundledCli(root);
    const made = readdirSync(path.dirname(first.pathname));
    // Touching a file changes nothing: the key is the content.
    utimesSync(path.join(root, 'src/words.ts'), new Date(), new Date(2030, 0, 1));
    expect((await bundledCli(root)).href).toBe(first.href);
    expect(readdirSync(path.dirname(first.pathname))).toEqual(made);

    write('src/words.ts', `export const greeting = (): string => 'hi';`);
    const second = await bundledCli(root);
    expect(second.href).not.toBe(first.href);
    expect(runBundle(second)).toBe('hi from beside the source');
    // The old bundle stays for a process that may still load a chunk from it.
    expect(runBundle(first)).toBe('hello from beside the source');
  });

  it('marks its bundle used at every start, and a new bundle removes those unused for 30 days', async () => {
    const cache = path.join(root, 'node_modules', '.cache', 'keywarden');
    const current = path.dirname((await bundledCli(root)).pathname);
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    // Bundles, and a build killed half way.
    const stale = [path.join(cache, 'cli-0123456789abcdef'), path.join(cache, 'ingest-worker-0123456789abcdef.mjs'), path.join(cache, 'cli-0123456789abcdef.4242.tmp')];
    mkdirSync(stale[0]!);
    writeFileSync(stale[1]!, '');
    mkdirSync(stale[2]!);
    const recent = path.join(cache, 'ingest-worker-fedcba9876543210.mjs');
    writeFileSync(recent, '');
    // Not keywarden's: never touched, whatever its age.
    const other = path.join(cache, 'notes.txt');
    writeFileSync(other, '');
    for (const file of [...stale, other, current]) utimesSync(file, longAgo, longAgo);

    // Started again: its own bundle is marked used, nothing is made, nothing removed.
    await bundledCli(root);
    expect(statSync(current).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
    expect(stale.every((f) => existsSync(f))).toBe(true);

    write('src/words.ts', `export const greeting = (): string => 'hi';`);
    const next = path.dirname((await bundledCli(root)).pathname);
    expect(stale.some((f) => existsSync(f))).toBe(false);
    expect([current, next, recent, other].every((f) => existsSync(f))).toBe(true);
  });

  it('prunes only what was last used before the given time', () => {
    const cache = path.join(root, 'cache');
    mkdirSync(cache);
    const old = path.join(cache, 'cli-aaaaaaaaaaaaaaaa');
    mkdirSync(old);
    utimesSync(old, new Date(1_000_000), new Date(1_000_000));
    pruneUnused(cache, 500_000);
    expect(existsSync(old)).toBe(true);
    pruneUnused(cache, 2_000_000);
    expect(existsSync(old)).toBe(false);
  });

  it('keys on every source folder of the CLI, the scheduler included', () => {
    const before = sourceKey(root);
    write('scheduler/job.ts', `export const job = 2;`);
    expect(sourceKey(root)).not.toBe(before);
  });

  it('keys on where the sources are: a copy elsewhere (a moved checkout, a worktree sharing node_modules) gets its own bundle', () => {
    const copy = mkdtempSync(path.join(os.tmpdir(), 'keywarden-bundle-copy-'));
    try {
      cpSync(root, copy, { recursive: true, verbatimSymlinks: true });
      expect(sourceKey(copy)).not.toBe(sourceKey(root));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('cannot be made without esbuild (bin/keywarden.js then runs the sources through tsx)', async () => {
    rmSync(path.join(root, 'node_modules', 'esbuild'));
    await expect(bundledCli(root)).rejects.toThrow();
  });

  it('runs the real CLI from the bundle, and through tsx when asked', () => {
    const bin = path.join(projectRoot, 'bin', 'keywarden.js');
    const version = (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
    for (const env of [{}, { KEYWARDEN_NO_BUNDLE: '1' }]) {
      // --debug says when the bundle could not be made and tsx runs the sources instead.
      const run = spawnSync(process.execPath, [bin, '--debug', '--version'], { encoding: 'utf8', env: { ...process.env, ...env } });
      expect(run.stdout.trim()).toBe(version);
      expect(run.stderr).not.toContain('running through tsx');
      expect(run.status).toBe(0);
    }
  });
});
