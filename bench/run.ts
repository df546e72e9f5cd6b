/**
 * `npm run bench`: every benchmark, each printing its own figures against
 * its target. Each runs in its own process so peak RSS figures are its own.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const benches = ['cloudtrail-ingest.ts', 'analyse-grants.ts', 'analyse-audit.ts', 'analyse-scale.ts', 'usage-history.ts', 'reach-graph.ts', 'html-report.ts', 'suggestions.ts', 'collect-aws.ts', 'gcp-audit.ts'];
const only = process.argv.slice(2);
let failed = 0;
for (const bench of benches) {
  if (only.length && !only.some((o) => bench.includes(o))) continue;
  console.log(`\n== ${bench}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, bench)], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
