/**
 * `npm run bench`: every benchmark, each printing its own figures against
 * its target, then one summary table of the headline figures. Each runs in
 * its own process so peak RSS figures are its own. `npm run bench -- ingest`
 * runs only the benchmarks whose file name contains "ingest".
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { figureTable, parseFigure, type Figure } from './figures.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const benches = ['cli-startup.ts', 'cloudtrail-ingest.ts', 'analyse-grants.ts', 'analyse-audit.ts', 'analyse-scale.ts', 'report-scale.ts', 'usage-history.ts', 'reach-graph.ts', 'html-report.ts', 'suggestions.ts', 'collect-aws.ts', 'gcp-audit.ts'];
const only = process.argv.slice(2);
const figures: (Figure & { bench: string })[] = [];
let failed = 0;

function run(bench: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, bench)], { stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const figure = parseFigure(line);
      if (figure) figures.push({ ...figure, bench: bench.replace(/\.ts$/, '') });
      else console.log(line);
    });
    child.on('close', (code) => resolve(code));
  });
}

for (const bench of benches) {
  if (only.length && !only.some((o) => bench.includes(o))) continue;
  console.log(`\n== ${bench}`);
  if ((await run(bench)) !== 0) failed++;
}
const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(`\n== summary (${os.availableParallelism()} cores, load average ${load}; figures under load are not comparable)\n`);
console.log(figures.length ? figureTable(figures) : '(no figures reported)');
if (failed) console.log(`\n${failed} benchmark(s) missed a target or failed`);
process.exitCode = failed ? 1 : 0;
