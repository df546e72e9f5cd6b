/**
 * An audit shares what identities have in common: service lines with the same
 * bits (range-interner.ts), attachments' statements, statement evidence of a
 * policy held whole in one account, strings of single-action findings. None
 * of it may change what is reported of an identity: audited among many, an
 * identity's facts and findings (evidence included) are what they are when
 * it is audited alone, where nothing can be shared with anyone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { withUnusedNames } from '../../src/analyse/granted-vs-used.js';
import { scanFacts, type ScanFacts } from '../../src/analyse/scan-facts.js';
import { windowEndingAt } from '../../src/analyse/window.js';
import { loadAwsActionCatalog, type AwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { parseConfig } from '../../src/config/index.js';
import type { Credential, UsageDay } from '../../src/model/domain.js';
import type { Finding } from '../../src/model/finding.js';
import { dataAndBackupDestruction } from '../../src/rules/aws/data-and-backup-destruction.js';
import { productionReach } from '../../src/rules/aws/production-reach.js';
import { rootLevelScope } from '../../src/rules/aws/root-level-scope.js';
import { staleAccessKey } from '../../src/rules/aws/stale-access-key.js';
import { unusedCredential } from '../../src/rules/aws/unused-credential.js';
import { unusedPermissions } from '../../src/rules/aws/unused-permissions.js';
import { runRules } from '../../src/rules/engine.js';
import { openStore } from '../../src/store/index.js';
import { synthesiseWorkload, workloadAccount, workloadSnapshot, type Workload } from '../../bench/analyse-grants.js';

const AS_OF = new Date('2026-11-15T12:00:00Z');
const WINDOW = windowEndingAt(AS_OF, 90);
const ACCOUNTS = [0, 1, 2].map(workloadAccount);
const CONFIG = parseConfig(
  `environments:\n  accounts:\n${ACCOUNTS.map((id, i) => `    - { id: "${id}", environment: ${i === 1 ? 'staging' : 'production'} }`).join('\n')}\n`,
  'shared-facts.yaml',
);
/** The rules that judge each identity on its own facts (the graph rules see everyone by design). */
const RULES = [rootLevelScope, productionReach, unusedCredential, staleAccessKey, unusedPermissions, dataAndBackupDestruction];

let catalog: AwsActionCatalog;
let workload: Workload;
let together: { facts: ScanFacts; findings: Finding[] };

/** Usage by some identities and access keys for some users, so usage-dependent lines are exercised too. */
function audit(arns: readonly string[]): { facts: ScanFacts; findings: Finding[] } {
  const keep = new Set(arns);
  const days = Array.from({ length: 90 }, (_, d) => new Date(Date.parse(`${WINDOW.from}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10));
  const usage: UsageDay[] = [];
  workload.identities.forEach((identityArn, i) => {
    if (i % 4 !== 0 || !keep.has(identityArn)) return;
    for (const action of ['s3:GetObject', 'ec2:DescribeInstances', 'iam:PassRole']) {
      usage.push({ identityArn, credentialId: '', action, day: days[i % 90]!, count: 3, denied: 0, lastSeen: `${days[i % 90]}T08:00:00Z` });
    }
  });
  const snapshot = workloadSnapshot(
    { ...workload, identities: arns.slice(), attachments: workload.attachments.filter((a) => keep.has(a.identityArn)) },
    'test:shared-facts',
    AS_OF.toISOString(),
    ACCOUNTS.map((accountId) => ({ provider: 'aws', accountId, tags: {} })),
    usage,
  );
  snapshot.credentials = snapshot.identities
    .filter((identity) => identity.kind === 'user' && workload.identities.indexOf(identity.arn) % 2 === 0)
    .map((identity): Credential => ({ provider: 'aws', identityArn: identity.arn, accountId: identity.accountId, id: `AKIA${identity.name.padStart(16, '0')}`, kind: 'access-key', active: true, createdAt: '2025-02-01T00:00:00Z' }));
  // Access Advisor for some identities: services it lists unused speak for all their actions, tracked actions one by one.
  snapshot.accessAdvisor = snapshot.identities
    .filter((identity) => workload.identities.indexOf(identity.arn) % 3 === 1)
    .map((identity) => ({
      identityArn: identity.arn,
      granularity: 'ACTION_LEVEL',
      completedAt: '2026-11-15T02:00:00Z',
      services: [
        { namespace: 's3', lastAuthenticated: '2026-11-01T00:00:00Z', trackedActions: [{ action: 'GetObject', lastAccessed: '2026-11-01T00:00:00Z' }, { action: 'PutObject' }] },
        { namespace: 'ec2' },
        { namespace: 'iam', trackedActions: [{ action: 'PassRole' }, { action: 'CreateRole' }] },
      ],
    }));
  const store = openStore(':memory:');
  // The third account's CloudTrail covers 60 of the 90 days: there, silence is unknown rather than unused.
  const cloudTrailDays = ACCOUNTS.flatMap((accountId, a) => days.slice(0, a === 2 ? 60 : 90).map((day) => ({ accountId, region: 'us-east-1', day })));
  const scanId = store.writeScan(snapshot, { cloudTrailDays });
  const facts = scanFacts(store, catalog, CONFIG, { scanId, window: WINDOW });
  return { facts, findings: runRules(RULES, facts.context).findings };
}

const factsOf = (run: { facts: ScanFacts }, arn: string) => run.facts.context.identities.find((f) => f.identity.arn === arn)!;
/** Everything reported of one identity, as a report carries it (JSON reads lazily built evidence). */
function reported(run: { facts: ScanFacts; findings: Finding[] }, arn: string): unknown {
  const facts = factsOf(run, arn);
  return JSON.parse(
    JSON.stringify({
      audit: facts.audit,
      services: facts.audit.services.map((s) => withUnusedNames(s, facts.usage.unused, catalog)),
      findings: run.findings.filter((f) => f.identityArn === arn),
    }),
  );
}

beforeAll(async () => {
  catalog = await loadAwsActionCatalog();
  // Few policies for many principals over three accounts: identities share policies, attachments and service shapes.
  workload = synthesiseWorkload(catalog, { principals: 150, policies: 60, accounts: 3 });
  together = audit(workload.identities);
});

describe('what identities share in one audit', () => {
  it('is shared: identities holding the same bits of a service get the same service line object', () => {
    const seen = new Map<object, string>();
    let shared = 0;
    for (const f of together.facts.context.identities) {
      for (const line of f.audit.services) {
        const other = seen.get(line);
        if (other && other !== f.identity.arn) shared++;
        seen.set(line, f.identity.arn);
      }
    }
    expect(shared).toBeGreaterThan(100);
  });

  it('changes nothing reported of an identity: audited among 150 or alone, its facts and findings are the same', () => {
    expect(together.findings.length).toBeGreaterThan(300);
    const sample = workload.identities.filter((_, i) => i % 5 === 0);
    for (const arn of sample) {
      expect(reported(audit([arn]), arn), arn).toEqual(reported(together, arn));
    }
  });
});
