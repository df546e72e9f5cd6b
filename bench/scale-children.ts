/**
 * The loop the scale benchmarks share: per size, one child process writes
 * the synthetic scan to SQLite (set-up, not measured), another measures it,
 * so each size's peak RSS is its own. The measuring child prints its
 * figures as one JSON line; a child that fails (e.g. over the heap cap)
 * ends the loop, since larger sizes would fail too.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ScaleChildren<F> {
  /** The benchmark's own file, run again as the children. */
  script: string;
  sizes: readonly number[];
  /** Environment that makes the child prepare a size, and the one that makes it measure one. */
  prepareEnv: (size: number) => Record<string, string>;
  measureEnv: (size: number) => Record<string, string>;
  /** Node options of the measuring child (heap cap, --expose-gc). */
  measureArgs: string[];
  /** Called with each size's figures as soon as they are in. */
  onFigures?: (figures: F) => void;
}

/** Figures per size measured, and the size that failed (if one did). */
export function measureInChildren<F>(options: ScaleChildren<F>, heapMb: number): { rows: F[]; failedAt?: number } {
  const rows: F[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keywarden-bench-scale-'));
  try {
    for (const size of options.sizes) {
      const file = path.join(dir, `scan-${size}.db`);
      const run = (env: Record<string, string>, args: string[] = []) =>
        spawnSync(process.execPath, [...args, '--import', 'tsx', options.script], {
          env: { ...process.env, ...env, SCALE_DB: file },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
          maxBuffer: 1 << 20,
        });
      const prepared = run(options.prepareEnv(size));
      if (prepared.status !== 0) throw new Error(`preparing ${size} principals failed (exit ${prepared.status ?? prepared.signal})`);
      const child = run(options.measureEnv(size), options.measureArgs);
      rmSync(file, { force: true });
      const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
      if (child.status !== 0 || !line) {
        console.log(`  ${size} principals: failed (exit ${child.status ?? child.signal}; heap capped at ${heapMb} MB)`);
        return { rows, failedAt: size };
      }
      const figures = JSON.parse(line) as F;
      rows.push(figures);
      options.onFigures?.(figures);
    }
    return { rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
