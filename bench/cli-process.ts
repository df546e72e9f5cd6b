/**
 * `node bin/keywarden.js ...` as a user or a pipeline runs it, measured from
 * inside: a preload module writes the child's CPU time (all its threads) and
 * peak RSS as it exits, which a parent cannot read of a child in Node.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(projectRoot, 'bin', 'keywarden.js');

export interface CliUsage {
  wallMs: number;
  cpuMs: number;
  rssMb: number;
  stderr: string;
}

/** Runs the CLI with `args` (in `dir`'s scratch files); throws unless it exits 0. */
export function runKeywarden(args: string[], env: Record<string, string>, dir: string): CliUsage {
  const usageFile = path.join(dir, 'usage.json');
  const preload = path.join(dir, 'usage-at-exit.mjs');
  writeFileSync(
    preload,
    `import { writeFileSync } from 'node:fs';\n` +
      `process.on('exit', () => { const u = process.resourceUsage(); ` +
      `writeFileSync(${JSON.stringify(usageFile)}, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, rssMb: u.maxRSS / 1024 })); });\n`,
  );
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--import', pathToFileURL(preload).href, BIN, ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  });
  const wallMs = performance.now() - started;
  if (run.status !== 0) throw new Error(`keywarden ${args.join(' ')} exited with ${run.status}: ${run.stderr}`);
  return { wallMs, stderr: run.stderr, ...(JSON.parse(readFileSync(usageFile, 'utf8')) as { cpuMs: number; rssMb: number }) };
}
