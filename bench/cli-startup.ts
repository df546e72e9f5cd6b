/**
 * `npx tsx bench/cli-startup.ts`: what a command costs before and around its
 * work, as a user or a pipeline runs it (`node bin/keywarden.js ...`):
 * `--version` (start-up alone) and the README's sample audit, each from the
 * bundle bin/keywarden.js runs (bin/bundle.js) and through tsx
 * (KEYWARDEN_NO_BUNDLE=1), median of several runs. CPU time and peak RSS are
 * the child's own, read at its exit by a preload module (all its threads).
 * The first start after an edit also builds the bundle; that run is made
 * first and not counted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runKeywarden, type CliUsage } from './cli-process.js';
import { reportFigure } from './figures.js';
import { runIfMain } from './run-main.js';

const RUNS = Number(process.env.STARTUP_RUNS ?? 5);

type Usage = Omit<CliUsage, 'stderr'>;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function measure(label: string, args: (dir: string, run: number) => string[], env: Record<string, string>): Usage {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keywarden-startup-'));
  try {
    runKeywarden(args(dir, -1), env, dir);
    const runs = Array.from({ length: RUNS }, (_, i) => runKeywarden(args(dir, i), env, dir));
    const usage = { wallMs: median(runs.map((r) => r.wallMs)), cpuMs: median(runs.map((r) => r.cpuMs)), rssMb: median(runs.map((r) => r.rssMb)) };
    console.log(`  ${label.padEnd(44)} ${usage.wallMs.toFixed(0).padStart(6)} ms wall ${usage.cpuMs.toFixed(0).padStart(6)} ms CPU ${usage.rssMb.toFixed(0).padStart(5)} MB`);
    return usage;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(): Promise<{ ok: boolean }> {
  console.log(`CLI start-up, median of ${RUNS} runs each (load average ${os.loadavg()[0]!.toFixed(1)})`);
  const version = () => ['--version'];
  // A new database per run: each audit imports the sample as a first scan, as `npm run sample` on a fresh clone.
  const sample = (dir: string, run: number) => [
    '--config', 'examples/keywarden.example.yaml', '--db', path.join(dir, `sample-${run}.db`),
    'audit', '--from', 'samples/acme', '--as-of', '2026-11-15', '--window', '60', '--out', path.join(dir, `reports-${run}`),
  ];
  const bundled = { version: measure('keywarden --version (bundle)', version, {}), sample: measure('sample audit (bundle)', sample, {}) };
  const tsx = {
    version: measure('keywarden --version (through tsx)', version, { KEYWARDEN_NO_BUNDLE: '1' }),
    sample: measure('sample audit (through tsx)', sample, { KEYWARDEN_NO_BUNDLE: '1' }),
  };
  const row = (u: Usage, through: Usage) =>
    `${u.cpuMs.toFixed(0)} ms CPU, ${u.rssMb.toFixed(0)} MB (through tsx: ${through.cpuMs.toFixed(0)} ms, ${through.rssMb.toFixed(0)} MB)`;
  reportFigure({ measure: 'keywarden --version, from the bundle', result: row(bundled.version, tsx.version), target: 'figure', ok: true });
  reportFigure({ measure: 'sample audit (npm run sample), from the bundle', result: row(bundled.sample, tsx.sample), target: 'figure', ok: true });
  return { ok: true };
}

runIfMain(import.meta.url, main);
