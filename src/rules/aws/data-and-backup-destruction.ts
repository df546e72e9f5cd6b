/**
 * aws.data-and-backup-destruction: per kind of data store in the
 * destructive-actions catalog, whether an identity can destroy production
 * stores of that kind, their backups, or both.
 *
 * "On production" is aws.production-reach's reading, shared: an action
 * granted by an Allow naming a production resource (or `*` in a production
 * or unknown account). Both sides: critical (nothing left to restore
 * from). One side: high. One step lower when every grant involved holds
 * only under a Condition. One finding per store kind (`Destroy::<id>`).
 */
import { DESTRUCTIVE_ENTRIES, type DestructiveEntry } from '../../catalog/destructive-actions.js';
import type { Evidence } from '../../model/finding.js';
import { environmentEvidence, incompleteGrantEvidence, sourcesOf, statementEvidence } from '../evidence.js';
import { firstOnly, lazyEvidence } from '../lazy-evidence.js';
import { perIdentity, type FindingDraft, type IdentityFacts, type Rule, type RuleContext } from '../rule.js';
import { lower } from '../severity.js';
import { printable } from '../../config/patterns.js';
import { productionReachIndex, type ReachIndex } from './production-reach.js';

interface Held {
  action: string;
  index: number;
}

function held(actions: readonly string[], reach: ReachIndex, ctx: RuleContext): Held[] {
  const out: Held[] = [];
  for (const action of actions) {
    const index = ctx.catalog.indexOf(action);
    if (index !== undefined && reach.reach.has(index)) out.push({ action: ctx.catalog.keyAt(index), index });
  }
  return out;
}

/** The Allow statements naming production resources behind some of `actions`, one evidence line per statement source. */
function statementLines(actions: Held[], reach: ReachIndex): Evidence[] {
  const out: Evidence[] = [];
  for (const entry of reach.statements) {
    if (entry.role !== 'allow') continue;
    const covered = actions.filter((a) => entry.statement.actions.has(a.index)).map((a) => a.action);
    if (!covered.length) continue;
    const on = entry.resources.map((r) => (r.resource === '*' ? `* (${r.how})` : printable(r.resource))).slice(0, 5).join(', ');
    for (const s of sourcesOf(entry)) out.push(statementEvidence(s, covered.join(', '), on, { actions: covered }));
  }
  return out;
}

function finding(entry: DestructiveEntry, destroy: Held[], backups: Held[], reach: ReachIndex, facts: IdentityFacts): FindingDraft {
  const both = destroy.length > 0 && backups.length > 0;
  const conditioned = [...destroy, ...backups].every((a) => reach.conditioned.has(a.index));
  const base = both ? 'critical' : 'high';
  const what = both
    ? `destroy production ${entry.store} and their backups`
    : destroy.length
      ? `destroy production ${entry.store} (not their backups)`
      : `destroy the backups of production ${entry.store}`;
  // Built when read (lazy-evidence.ts) from the production-reach index, which stays as it is for the audit.
  return lazyEvidence(
    { severity: conditioned ? lower(base) : base, granular: `Destroy::${entry.id}`, title: `Can ${what}${conditioned ? ' only under a Condition' : ''}` },
    (limit) => destructionEvidence(entry, destroy, backups, reach, facts, conditioned, firstOnly(limit)),
  );
}

function destructionEvidence(entry: DestructiveEntry, destroy: Held[], backups: Held[], reach: ReachIndex, facts: IdentityFacts, conditioned: boolean, firstOnly: boolean): Evidence[] {
  const evidence: Evidence[] = [
    {
      kind: 'note',
      summary: `store: ${destroy.length ? destroy.map((a) => a.action).join(', ') : 'none'}; backups: ${backups.length ? backups.map((a) => a.action).join(', ') : 'none'}`,
      detail: { entry: entry.id, destroy: destroy.map((a) => a.action), backups: backups.map((a) => a.action), references: entry.references },
    },
  ];
  // Asked for its first line only (SARIF, a suggestion's quote): the statements are most of the work.
  if (firstOnly) return evidence;
  evidence.push(...statementLines([...destroy, ...backups], reach));
  if (conditioned) evidence.push({ kind: 'note', summary: 'every grant of these actions on production holds only under a Condition (see the statements): one severity step lower' });
  evidence.push(environmentEvidence(facts), ...incompleteGrantEvidence(facts.grant));
  return evidence;
}

function check(facts: IdentityFacts, ctx: RuleContext): FindingDraft[] | { notApplicable: string } {
  const { identity, grant } = facts;
  if (identity.provider !== 'aws') return { notApplicable: 'not an AWS identity' };
  if (identity.kind === 'root') return { notApplicable: 'the account root user can delete everything by design; the root-credential rules cover it' };
  if (grant.actions.isEmpty()) return grant.errors.length > 0 ? [] : { notApplicable: 'holds no catalog action' };
  const reach = productionReachIndex(facts, ctx);
  if (reach.reach.isEmpty()) return [];
  const findings: FindingDraft[] = [];
  for (const entry of DESTRUCTIVE_ENTRIES) {
    const destroy = held(entry.destroy, reach, ctx);
    const backups = held(entry.backups, reach, ctx);
    if (destroy.length || backups.length) findings.push(finding(entry, destroy, backups, reach, facts));
  }
  return findings;
}

export const dataAndBackupDestruction: Rule = {
  id: 'aws.data-and-backup-destruction',
  title: 'Destroying production data together with its backups',
  severity: 'critical',
  description:
    'For each kind of data store in the destructive-actions catalog (RDS instances and clusters, DynamoDB tables, S3 ' +
    'buckets, EBS volumes, EFS file systems, Redshift clusters), reports an AWS identity that can destroy production ' +
    'stores of that kind and, separately, their backups (snapshots, automated backups, object versions, versioning, ' +
    'lifecycle and replication, point-in-time recovery, AWS Backup recovery points and vaults). Both: critical. One ' +
    'side: high. Production is read as aws.production-reach reads it.',
  risk:
    'Deleting a database together with its snapshots, or a bucket together with its versions, leaves nothing to restore: ' +
    'the ransomware and runaway-agent scenario. Separation of the two is what makes a mistake recoverable.',
  remediation:
    'Keep backup deletion out of every workload identity; put backups in an AWS Backup vault with Vault Lock or in a ' +
    'separate account; enable deletion protection on databases and MFA delete or Object Lock on critical buckets; scope ' +
    'delete actions to non-production resources.',
  references: [
    'https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html',
    'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html',
    'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html#USER_DeletionProtection',
  ],
  evaluate: perIdentity(check, { judgesGrants: true }),
};
