/**
 * Which script an ingest worker thread runs. A worker starts without the
 * parent's TypeScript loader: registering tsx in each one costs ~0.15 s of
 * start-up per worker (a loader thread, then resolving and compiling every
 * module), most of the fixed cost of a worker run. So the first pool of a
 * process bundles the worker's module graph into one JavaScript file with
 * esbuild (the compiler tsx itself runs, ~20 ms), from the sources as they
 * are now: it can never be stale. The file is named by its content's hash
 * under node_modules/.cache/keywarden, where the packages the bundle leaves
 * out (the action catalog) resolve as from the sources, and pruned with the
 * CLI's bundles (bin/bundle.js) once unused for 30 days. If that cannot be
 * done (no esbuild, a read-only tree), workers register tsx as before.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { markUsed } from '../../../../bin/bundle.js';

/** The worker through tsx: always works, slower to start. */
export const TSX_WORKER_ENTRY = new URL('./ingest-worker-entry.mjs', import.meta.url);

let bundled: Promise<URL | undefined> | undefined;

/** The bundled worker script (built once per process), or the tsx entry when it cannot be built. */
export async function ingestWorkerEntry(): Promise<URL> {
  // A long-running process (`keywarden schedule`) starts pools months apart: a script removed meanwhile
  // (bin/bundle.js prunes those unused for 30 days) is made again.
  const made = await bundled;
  if (made && !existsSync(fileURLToPath(made))) bundled = undefined;
  bundled ??= bundleWorker().catch(() => undefined);
  return (await bundled) ?? TSX_WORKER_ENTRY;
}

async function bundleWorker(): Promise<URL | undefined> {
  const source = fileURLToPath(new URL('./ingest-worker.ts', import.meta.url));
  const root = path.resolve(path.dirname(source), '..', '..', '..', '..');
  if (!existsSync(source) || !existsSync(path.join(root, 'node_modules'))) return undefined;
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [source],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Packages stay imports, found from the cache directory's node_modules like from src/.
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  const dir = path.join(root, 'node_modules', '.cache', 'keywarden');
  const file = path.join(dir, `ingest-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (existsSync(file)) markUsed(file);
  else {
    mkdirSync(dir, { recursive: true });
    // Written aside and renamed: processes starting at once never load a half-written file.
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, code);
    renameSync(temp, file);
  }
  return pathToFileURL(file);
}
