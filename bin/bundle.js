/**
 * The CLI's sources bundled into plain JavaScript (esbuild, which tsx itself
 * runs), so a command starts without the TypeScript loader: tsx compiles and
 * resolves each of ~270 modules through loader hooks on a thread of their
 * own, ~1 s of CPU and ~40 MB before any work (measured: `--version` 1.2 s
 * through tsx, 0.3 s from the bundle). The bundle is named by a hash of the
 * sources as they are now, so it is never stale: an edit (or an upgrade)
 * makes a new one at the next start, ~0.4 s. Commands loaded on demand stay
 * separate chunks, so `--version` still loads no cloud client.
 *
 * Where a bundle cannot be made (no esbuild, a read-only tree), bin/keywarden.js
 * runs the sources through tsx as before. Each start marks its bundle used;
 * making a new one removes the bundles (and ingest worker scripts, see
 * src/collect/files/cloudtrail/worker-entry.ts) unused for 30 days, so edits
 * and upgrades do not fill the disk (~3 MB each). A running `keywarden
 * schedule` has loaded every chunk it needs when it starts.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Folders holding the CLI's module graph (bin/keywarden.js imports src/cli/main.ts; the scheduler's jobs live in scheduler/). */
const SOURCE_DIRS = ['src', 'scheduler'];

/**
 * A hash of every source file's path and content, of the compiler's version,
 * and of where the sources are: the bundle names its source files by
 * absolute URL (see sourceLocations), so a checkout moved, or another one
 * sharing node_modules, must not run a bundle that reads the first one's
 * assets and starts the first one's ingest workers.
 */
export function sourceKey(root) {
  const hash = createHash('sha256');
  hash.update(`root ${path.resolve(root)}\0`);
  const esbuild = JSON.parse(readFileSync(path.join(root, 'node_modules', 'esbuild', 'package.json'), 'utf8'));
  hash.update(`esbuild ${esbuild.version}\0`);
  for (const dir of SOURCE_DIRS) {
    const files = readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.relative(root, path.join(e.parentPath ?? e.path, e.name)))
      .sort();
    for (const file of files) hash.update(`${file}\0`).update(readFileSync(path.join(root, file))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The bundled entry module (exporting main) for the sources under `root`,
 * made first when there is none for them yet. Throws when it cannot be made.
 */
export async function bundledCli(root) {
  const cache = path.join(root, 'node_modules', '.cache', 'keywarden');
  const dir = path.join(cache, `cli-${sourceKey(root)}`);
  const entry = path.join(dir, 'main.mjs');
  if (existsSync(entry)) {
    markUsed(dir);
  } else {
    await build(root, dir);
    pruneUnused(cache, Date.now() - UNUSED_FOR_MS);
  }
  return pathToFileURL(entry);
}

const UNUSED_FOR_MS = 30 * 86_400_000;

/** A bundle's modification time says when it was last used (best effort: a read-only tree keeps its times). */
export function markUsed(file) {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // Not ours to change: it is not pruned by us either.
  }
}

/** What the cache holds: CLI bundles (folders) and ingest worker scripts, each named by a hash, and what a killed build left half-written. */
const CACHED = /^(cli-[0-9a-f]{16}|ingest-worker-[0-9a-f]{16}\.mjs)(\.\d+\.tmp)?$/;

/** Removes the cached bundles last used (or made) before `before` (ms). */
export function pruneUnused(cache, before) {
  for (const name of readdirSync(cache)) {
    if (!CACHED.test(name)) continue;
    const file = path.join(cache, name);
    try {
      if (statSync(file).mtimeMs < before) rmSync(file, { recursive: true, force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}

async function build(root, dir) {
  const { build: esbuild } = await import('esbuild');
  // Written aside and renamed: processes starting at once never load a half-written bundle.
  const temp = `${dir}.${process.pid}.tmp`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true });
  try {
    await esbuild({
      entryPoints: { main: path.join(root, 'src', 'cli', 'main.ts') },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Packages stay imports, found from the cache folder's node_modules ancestors like from src/.
      packages: 'external',
      outdir: temp,
      outExtension: { '.js': '.mjs' },
      // Stack traces (--debug) name the source lines.
      sourcemap: 'linked',
      logLevel: 'silent',
      plugins: [sourceLocations(root)],
    });
    try {
      renameSync(temp, dir);
    } catch (error) {
      // Another process made the same bundle first: use theirs.
      if (!existsSync(path.join(dir, 'main.mjs'))) throw error;
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/**
 * Modules find files beside them (HTML assets, the worker's sources, the
 * catalog package) through import.meta.url: in the bundle it names each
 * module's source file, as when the sources run directly.
 */
function sourceLocations(root) {
  const sources = path.join(root, path.sep);
  return {
    name: 'keywarden-source-locations',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (!args.path.startsWith(sources) || args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const text = readFileSync(args.path, 'utf8');
        return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
      });
    },
  };
}
