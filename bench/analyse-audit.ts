/**
 * `npx tsx bench/analyse-audit.ts`: the analysis of one stored scan —
 * effective grants, granted vs used, environments and agents, read from
 * SQLite — for 10,000 principals sharing 2,000 distinct policies (the
 * workload of bench/analyse-grants.ts), with 90 days of usage for a tenth of
 * them. Writing the scan to SQLite is set-up and not timed. The full audit
 * (rules, graph, suggestions, report) at scale is bench/analyse-scale.ts's.
 * Target (foundation): analysis under 5 s and under 1 GiB peak RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanFacts } from '../src/analyse/scan-facts.js';
import { windowEndingAt } from '../src/analyse/window.js';
import { loadAwsActionCatalog } from '../src/catalog/aws-actions.js';
import { parseConfig } from '../src/config/index.js';
import type { UsageDay } from '../src/model/domain.js';
import { openStore } from '../src/store/index.js';
import { synthesiseWorkload, workloadSnapshot } from './analyse-grants.js';
import { runIfMain } from './run-main.js';
import { reportFigure } from './figures.js';

const TARGET_SECONDS = 5;
const TARGET_RSS_MB = 1024;
const AS_OF = new Date('2026-11-15T12:00:00Z');

const config = parseConfig(
  'environments:\n  accounts:\n    - { id: "111122223333", environment: production }\nagents:\n  names: ["machine-1*"]\n',
  'bench-config.yaml',
);

export async function main(): Promise<{ seconds: number; peakRssMb: number; ok: boolean }> {
  const catalog = await loadAwsActionCatalog();
  const workload = synthesiseWorkload(catalog);
  // A tenth of the principals called a few of their actions every day of the window.
  const usage: UsageDay[] = [];
  const window = windowEndingAt(AS_OF, 90);
  for (let p = 0; p < workload.identities.length; p += 10) {
    for (let d = 0; d < 90; d += 3) {
      const day = new Date(Date.parse(`${window.from}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10);
      for (const action of ['s3:GetObject', 'sts:GetCallerIdentity', 'ec2:DescribeInstances'])
        usage.push({ identityArn: workload.identities[p]!, credentialId: '', action, day, count: 5, denied: 0, lastSeen: `${day}T12:00:00Z` });
    }
  }
  const snapshot = workloadSnapshot(workload, 'bench:synthetic', AS_OF.toISOString(), [{ provider: 'aws', accountId: '111122223333', alias: 'bench-prod', tags: {} }], usage);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keywarden-bench-audit-'));
  try {
    const store = openStore(path.join(dir, 'bench.db'));
    const days = Array.from({ length: 90 }, (_, d) => ({ accountId: '111122223333', region: 'us-east-1', day: new Date(Date.parse(`${window.from}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10) }));
    const scanId = store.writeScan(snapshot, { cloudTrailDays: days });
    const rssBefore = process.memoryUsage().rss;

    // The foundation analysis: effective grants, granted vs used, environments, agents.
    const started = performance.now();
    const analysed = scanFacts(store, catalog, config, { scanId, window }).context.identities.length;
    const seconds = (performance.now() - started) / 1000;
    const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    const ok = seconds < TARGET_SECONDS && peakRssMb < TARGET_RSS_MB;

    store.close();
    console.log(`  set-up RSS before analysis: ${Math.round(rssBefore / 1e6)} MB; ${analysed} identities analysed`);
    console.log(
      `analyse ${analysed} principals / ${workload.policies.size} policies (grants + granted vs used): ${seconds.toFixed(2)} s, peak RSS ${peakRssMb} MB ` +
        `(target < ${TARGET_SECONDS} s, < 1 GiB)${ok ? '' : ' — OVER TARGET'}`,
    );
    reportFigure({
      measure: `analysis (grants + granted vs used), ${analysed.toLocaleString('en-US')} principals / ${workload.policies.size.toLocaleString('en-US')} policies`,
      result: `${seconds.toFixed(2)} s, ${peakRssMb} MB`,
      target: `< ${TARGET_SECONDS} s, < ${TARGET_RSS_MB} MB`,
      ok,
    });
    return { seconds, peakRssMb, ok };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runIfMain(import.meta.url, main);
