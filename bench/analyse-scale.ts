/**
 * `npx tsx bench/analyse-scale.ts`: the whole audit of one stored scan —
 * facts, every rule, the reach graph, revocation suggestions and the report
 * object — for 5,000, 10,000, 25,000 and 50,000 principals over 100
 * accounts (half production, half staging) sharing 5,000 distinct policies
 * (bench/analyse-grants.ts's synthesis), a tenth of them with 90 days of
 * usage. Each size's scan is written to SQLite by one process (set-up, not
 * timed) and audited by another, so the peak RSS is the audit's own. Each
 * phase (reading the scan, grants, granted vs used, every rule, graph build
 * and closure, suggestions, the report model) is timed on its own, CPU and
 * wall.
 * Target: 50,000 principals under 20 s and 2 GiB peak RSS, and cost linear
 * in principals (CPU per principal at 50k within 2x of 5k's).
 */
import { fileURLToPath } from 'node:url';
import { buildAuditReport } from '../src/analyse/audit.js';
import { windowEndingAt } from '../src/analyse/window.js';
import { loadAwsActionCatalog } from '../src/catalog/aws-actions.js';
import type { UsageDay } from '../src/model/domain.js';
import type { Finding } from '../src/model/finding.js';
import { ALL_RULES } from '../src/rules/index.js';
import { openStore } from '../src/store/index.js';
import { evidenceOf } from '../src/rules/lazy-evidence.js';
import { reportSuggestions } from '../src/suggest/report-suggestions.js';
import { PhaseClock, type PhaseTime } from '../src/util/phase-clock.js';
import { synthesiseWorkload, workloadAccount, workloadConfig, workloadSnapshot } from './analyse-grants.js';
import { runIfMain } from './run-main.js';
import { reportFigure } from './figures.js';
import { measureInChildren } from './scale-children.js';

const SIZES = (process.env.SCALE_SIZES ?? '5000,10000,25000,50000').split(',').map(Number);
const ACCOUNTS = 100;
const POLICIES = 5_000;
const TARGET_SECONDS = 20;
const TARGET_RSS_MB = 2048;
/** The audit's heap cap: the RSS target unless SCALE_HEAP_MB lifts it, to see how far the larger sizes are. */
const HEAP_MB = Number(process.env.SCALE_HEAP_MB ?? TARGET_RSS_MB);
const LINEARITY = 2;
const AS_OF = new Date('2026-11-15T12:00:00Z');

interface Figures {
  principals: number;
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  findings: number;
  suggestions: number;
  edges: number;
  phases: PhaseTime[];
  /** CPU seconds to build every finding's evidence once, one finding at a time, as a report writer reads it (not in `seconds`). */
  evidenceCpuSeconds: number;
  evidenceItems: number;
}

const accountIds = Array.from({ length: ACCOUNTS }, (_, i) => workloadAccount(i));
const window = windowEndingAt(AS_OF, 90);

/** Set-up, in a process of its own: the scan written to `file`, so the audit's process holds nothing of the synthesis. */
async function prepare(principals: number, file: string): Promise<void> {
  const catalog = await loadAwsActionCatalog();
  const workload = synthesiseWorkload(catalog, { principals, policies: POLICIES, accounts: ACCOUNTS });
  const days = Array.from({ length: 90 }, (_, d) => new Date(Date.parse(`${window.from}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10));
  const usage: UsageDay[] = [];
  for (let p = 0; p < workload.identities.length; p += 10) {
    for (let d = 0; d < 90; d += 9) {
      for (const action of ['s3:GetObject', 'sts:GetCallerIdentity', 'ec2:DescribeInstances'])
        usage.push({ identityArn: workload.identities[p]!, credentialId: '', action, day: days[d]!, count: 5, denied: 0, lastSeen: `${days[d]}T12:00:00Z` });
    }
  }
  const snapshot = workloadSnapshot(workload, 'bench:scale', AS_OF.toISOString(), accountIds.map((accountId) => ({ provider: 'aws', accountId, tags: {} })), usage);
  const store = openStore(file);
  store.writeScan(snapshot, { cloudTrailDays: accountIds.flatMap((accountId) => days.map((day) => ({ accountId, region: 'us-east-1', day }))) });
  store.close();
}

/** The audit of the prepared scan, as `keywarden audit` runs it on a stored scan. */
async function measure(principals: number, file: string): Promise<Figures> {
  const catalog = await loadAwsActionCatalog();
  const config = workloadConfig(accountIds);
  const store = openStore(file);
  const scanId = store.latestScan('aws')!.id;
  const suggestions = reportSuggestions(store, config);
  let edges = 0;
  const clock = new PhaseClock();
  const pauses: { startTime: number; duration: number }[] = [];
  const gcObserver = new PerformanceObserver((list) => pauses.push(...list.getEntries()));
  gcObserver.observe({ entryTypes: ['gc'] });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const report = buildAuditReport(store, catalog, {
    scanId,
    window,
    config,
    rules: ALL_RULES,
    toolVersion: 'bench',
    timer: clock,
    suggest: (facts, findings) => {
      edges = facts.context.reach?.graph.edgeCount ?? 0;
      return suggestions.build(facts, findings);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  // GC entries are delivered after the synchronous audit: let them arrive, then place each in its phase.
  await new Promise((resolve) => setTimeout(resolve, 0));
  gcObserver.disconnect();
  clock.gcPausesFrom(pauses);
  store.close();
  // Findings build their evidence when read (src/rules/lazy-evidence.ts): what writing every finding of the report adds.
  const evidenceCpu = process.cpuUsage();
  let items = 0;
  for (const f of report.findings) items += evidenceOf(f as Finding).length;
  const evidence = process.cpuUsage(evidenceCpu);
  return {
    principals,
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    findings: report.findings.length,
    suggestions: report.suggestions?.length ?? 0,
    edges,
    phases: clock.phases(),
    evidenceCpuSeconds: (evidence.user + evidence.system) / 1e6,
    evidenceItems: items,
  };
}

/** Phases below this share of every size's CPU time are summed into one line. */
const MINOR_SHARE = 0.005;

function printPhases(rows: Figures[]): void {
  const names = [...new Set(rows.flatMap((r) => r.phases.map((p) => p.name)))];
  const cpuOf = (r: Figures, name: string) => (r.phases.find((p) => p.name === name)?.cpuMs ?? 0) / 1000;
  const minor = names.filter((n) => rows.every((r) => cpuOf(r, n) < r.cpuSeconds * MINOR_SHARE));
  const last = rows[rows.length - 1]!;
  console.log(`  CPU s per phase${rows.map((r) => ` | ${String(r.principals).padStart(7)}`).join('')} | µs per principal at ${last.principals}`);
  const line = (label: string, seconds: (r: Figures) => number) =>
    console.log(`  ${label.padEnd(44)}${rows.map((r) => ` | ${seconds(r).toFixed(2).padStart(7)}`).join('')} | ${((seconds(last) / last.principals) * 1e6).toFixed(0).padStart(6)}`);
  for (const name of names) if (!minor.includes(name)) line(name, (r) => cpuOf(r, name));
  if (minor.length) line(`${minor.length} more phases, each < ${MINOR_SHARE * 100}%`, (r) => minor.reduce((n, name) => n + cpuOf(r, name), 0));
  // Pauses on the main thread only (a parallel scavenge's helper threads add CPU, not pause): where collection stops the audit.
  const gcOf = (r: Figures, name: string) => (r.phases.find((p) => p.name === name)?.gcMs ?? 0) / 1000;
  console.log(`  GC pause s per phase${rows.map((r) => ` | ${String(r.principals).padStart(7)}`).join('')} | share of the phase's wall time at ${last.principals}`);
  const wallOf = (r: Figures, name: string) => (r.phases.find((p) => p.name === name)?.wallMs ?? 0) / 1000;
  for (const name of names.filter((n) => !minor.includes(n))) {
    const share = wallOf(last, name) > 0 ? gcOf(last, name) / wallOf(last, name) : 0;
    console.log(`  ${name.padEnd(44)}${rows.map((r) => ` | ${gcOf(r, name).toFixed(2).padStart(7)}`).join('')} | ${(share * 100).toFixed(0).padStart(5)}%`);
  }
  const allGc = (r: Figures) => r.phases.reduce((n, p) => n + (p.gcMs ?? 0), 0) / 1000;
  console.log(`  ${'all phases'.padEnd(44)}${rows.map((r) => ` | ${allGc(r).toFixed(2).padStart(7)}`).join('')} | ${((allGc(last) / last.seconds) * 100).toFixed(0).padStart(5)}%`);
}

function runAll(): boolean {
  // The heap is capped at the RSS target: a size over it fails rather than swapping a shared machine.
  const { rows, failedAt } = measureInChildren<Figures>(
    {
      script: fileURLToPath(import.meta.url),
      sizes: SIZES,
      prepareEnv: (size) => ({ SCALE_PREPARE: String(size) }),
      measureEnv: (size) => ({ SCALE_ONE: String(size) }),
      measureArgs: [`--max-old-space-size=${HEAP_MB}`],
    },
    HEAP_MB,
  );
  if (!rows.length) return false;
  console.log('  principals | wall s | CPU s | peak RSS MB | s per 1k | findings | suggestions | reach edges | evidence CPU s (not in the audit)');
  for (const r of rows) {
    console.log(
      `  ${String(r.principals).padStart(10)} | ${r.seconds.toFixed(2).padStart(6)} | ${r.cpuSeconds.toFixed(2).padStart(5)} | ${String(r.peakRssMb).padStart(11)} | ` +
        `${((r.seconds / r.principals) * 1000).toFixed(3).padStart(8)} | ${String(r.findings).padStart(8)} | ${String(r.suggestions).padStart(11)} | ` +
        `${String(r.edges).padStart(11)} | ${r.evidenceCpuSeconds.toFixed(2)}`,
    );
  }
  printPhases(rows);
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  // CPU time per principal: wall time on a shared machine says more about the neighbours than the algorithm.
  const growth = last.cpuSeconds / last.principals / (first.cpuSeconds / first.principals);
  const ok = failedAt === undefined && last.seconds < TARGET_SECONDS && last.peakRssMb < TARGET_RSS_MB && growth < LINEARITY;
  console.log(
    `audit ${last.principals} principals / ${ACCOUNTS} accounts / ${POLICIES} policies (facts, rules, graph, suggestions, report): ` +
      `${last.seconds.toFixed(2)} s (CPU ${last.cpuSeconds.toFixed(2)} s), peak RSS ${last.peakRssMb} MB; CPU per principal x${growth.toFixed(2)} from ${first.principals} ` +
      `(target ${SIZES[SIZES.length - 1]} principals < ${TARGET_SECONDS} s, < 2 GiB, < x${LINEARITY})${failedAt ? `; ${failedAt} principals did not fit` : ''}${ok ? '' : ' — OVER TARGET'}`,
  );
  for (const r of rows) {
    reportFigure({
      measure: `full audit, ${r.principals.toLocaleString('en-US')} principals / ${ACCOUNTS} accounts`,
      result: `${r.seconds.toFixed(1)} s (CPU ${r.cpuSeconds.toFixed(1)} s), ${r.peakRssMb} MB`,
      target: r === last ? `< ${TARGET_SECONDS} s, < 2 GiB, CPU/principal < x${LINEARITY} of ${first.principals}` : 'figure (linearity)',
      ok: r === last ? ok : true,
    });
  }
  if (failedAt) reportFigure({ measure: `full audit, ${failedAt} principals`, result: 'did not fit', target: `< ${TARGET_SECONDS} s, < 2 GiB`, ok: false });
  return ok;
}

export async function main(): Promise<{ ok: boolean }> {
  // Children prepare one size's scan, or measure its audit and hand the figures to the parent as one JSON line.
  if (process.env.SCALE_PREPARE) {
    await prepare(Number(process.env.SCALE_PREPARE), process.env.SCALE_DB!);
    return { ok: true };
  }
  if (process.env.SCALE_ONE) {
    console.log(JSON.stringify(await measure(Number(process.env.SCALE_ONE), process.env.SCALE_DB!)));
    return { ok: true };
  }
  return { ok: runAll() };
}

runIfMain(import.meta.url, main);
