/**
 * `npx tsx bench/suggestions.ts`: planning suggestions (least-privilege
 * policies, staged commands, rollbacks) for the synthetic organisation of
 * bench/analyse-grants.ts: 10,000 principals over 2,000 policies, every
 * fourth of them seen using a handful of actions over 90 days. Facts and
 * rules are set-up; the planner and rendering the report's form are timed.
 * Target: under 5 s for 10,000 principals.
 */
import { scanFacts } from '../src/analyse/scan-facts.js';
import { windowEndingAt } from '../src/analyse/window.js';
import { loadAwsActionCatalog } from '../src/catalog/aws-actions.js';
import { parseConfig } from '../src/config/index.js';
import type { Snapshot } from '../src/model/domain.js';
import { runRules } from '../src/rules/engine.js';
import { ALL_RULES } from '../src/rules/index.js';
import { openStore } from '../src/store/index.js';
import { suggestionsForScan } from '../src/suggest/index.js';
import { synthesiseWorkload } from './analyse-grants.js';
import { reportFigure } from './figures.js';

const TARGET_SECONDS = 5;
const ACCOUNT = '111122223333';
const window = windowEndingAt(new Date('2026-11-15T12:00:00Z'), 90);
const USED = ['s3:GetObject', 'ec2:DescribeInstances', 'logs:FilterLogEvents', 'ssm:GetParameter'];

async function main(): Promise<{ seconds: number; ok: boolean }> {
  const catalog = await loadAwsActionCatalog();
  const config = parseConfig(`environments:\n  accounts:\n    - { id: "${ACCOUNT}", environment: production }\n`, 'bench.yaml');
  const { identities, policies, attachments } = synthesiseWorkload(catalog);
  const days = Array.from({ length: 90 }, (_, d) => new Date(Date.parse(`${window.from}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10));
  const snapshot: Snapshot = {
    provider: 'aws',
    source: 'bench:suggestions',
    collectedAt: window.asOf,
    accounts: [{ provider: 'aws', accountId: ACCOUNT, tags: {} }],
    identities: identities.map((arn) => ({ provider: 'aws', arn, accountId: ACCOUNT, kind: arn.includes(':role/') ? 'role' : 'user', name: arn.split('/').pop()!, tags: {} })),
    credentials: [],
    policies: [...policies.values()],
    attachments,
    accessAdvisor: [],
    usage: identities
      .filter((_, i) => i % 4 === 0)
      .flatMap((identityArn) => USED.map((action, k) => ({ identityArn, credentialId: '', action, day: days[(k * 17) % 90]!, count: 3, denied: 0, lastSeen: `${days[(k * 17) % 90]}T10:00:00Z` }))),
    unmappedEvents: [],
    ingested: [],
    coverage: [],
  };
  const store = openStore(':memory:');
  const scanId = store.writeScan(snapshot, { cloudTrailDays: days.map((day) => ({ accountId: ACCOUNT, region: 'us-east-1', day })) });
  const facts = scanFacts(store, catalog, config, { scanId, window });
  const { findings } = runRules(ALL_RULES, facts.context);

  const started = performance.now();
  const planned = suggestionsForScan(store, facts, findings, config);
  const seconds = (performance.now() - started) / 1000;
  store.close();
  const kinds = new Map<string, number>();
  for (const p of planned) kinds.set(p.suggestion.kind, (kinds.get(p.suggestion.kind) ?? 0) + 1);
  const ok = seconds < TARGET_SECONDS;
  console.log(
    `plan suggestions for ${identities.length} principals / ${findings.length} findings: ${seconds.toFixed(2)} s, ${planned.length} suggestions ` +
      `(${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}), peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB ` +
      `(target < ${TARGET_SECONDS} s)${ok ? '' : ' — OVER TARGET'}`,
  );
  reportFigure({
    measure: `revocation suggestions, ${identities.length.toLocaleString('en-US')} principals`,
    result: `${seconds.toFixed(2)} s`,
    target: `< ${TARGET_SECONDS} s`,
    ok,
  });
  return { seconds, ok };
}

// Run directly (bench/run.ts starts each benchmark in its own process); an error fails the run.
const result = await main();
if (!result.ok) process.exitCode = 1;
