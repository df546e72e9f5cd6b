/**
 * gcp.data-and-backup-destruction: per kind of data store in the GCP
 * destructive catalog, whether a service account can destroy production
 * stores of that kind, their backups, or both (the GCP twin of
 * aws.data-and-backup-destruction). Production: a binding reaching a
 * production (or unknown) project, directly or inherited. Both sides:
 * critical; one side: high; one step lower when every binding involved
 * holds only under an IAM condition. One finding per store (`Destroy::<id>`).
 */
import type { GcpIdentityFacts, GcpRuleContext } from '../../analyse/gcp/scan-facts.js';
import { GCP_DESTRUCTIVE_ENTRIES } from '../../catalog/gcp-destructive-actions.js';
import type { DestructiveEntry } from '../../catalog/destructive-actions.js';
import type { FindingDraft, Rule } from '../rule.js';
import { isProductionRisk, lower } from '../severity.js';
import { bindingEvidence, bindingsHolding, perServiceAccount, projectEnvironmentEvidence } from './gcp-rule.js';

function finding(entry: DestructiveEntry, facts: GcpIdentityFacts, gcp: GcpRuleContext): FindingDraft | undefined {
  const inProduction = (permissions: readonly string[]) =>
    bindingsHolding(facts, (p) => permissions.includes(p)).filter((e) => e.held.projects.some((p) => isProductionRisk(gcp.projectEnvironment(p).environment)));
  const destroy = inProduction(entry.destroy);
  const backups = inProduction(entry.backups);
  if (!destroy.length && !backups.length) return undefined;
  const names = (list: typeof destroy) => [...new Set(list.flatMap((e) => e.permissions))];
  const both = destroy.length > 0 && backups.length > 0;
  const all = [...destroy, ...backups];
  const conditioned = all.every((e) => e.held.binding.condition);
  const what = both ? `destroy production ${entry.store} and their backups` : destroy.length ? `destroy production ${entry.store} (not their backups)` : `destroy the backups of production ${entry.store}`;
  const base = both ? 'critical' : 'high';
  return {
    severity: conditioned ? lower(base) : base,
    granular: `Destroy::${entry.id}`,
    title: `Can ${what}${conditioned ? ' only under an IAM condition' : ''}`,
    evidence: [
      {
        kind: 'note',
        summary: `store: ${names(destroy).join(', ') || 'none'}; backups: ${names(backups).join(', ') || 'none'}`,
        detail: { entry: entry.id, destroy: names(destroy), backups: names(backups), references: entry.references },
      },
      ...[...new Set(all.map((e) => e.held))].map((held) => bindingEvidence(held, all.filter((e) => e.held === held).flatMap((e) => e.permissions).join(', '))),
      projectEnvironmentEvidence(facts),
    ],
  };
}

export const gcpDataAndBackupDestruction: Rule = {
  id: 'gcp.data-and-backup-destruction',
  title: 'Destroying production data together with its backups (GCP)',
  severity: 'critical',
  description:
    'For each kind of data store in the GCP destructive catalog (Cloud SQL instances, Cloud Storage buckets and objects, ' +
    'persistent disks, Spanner databases, Bigtable tables, Firestore / Datastore databases), reports a service account ' +
    'that can destroy production stores of that kind and, separately, their backups (backup runs, snapshots and snapshot ' +
    'schedules, Spanner and Bigtable backups, Firestore backups and schedules, bucket versioning / retention / soft-delete ' +
    'settings). Both: critical. One side: high.',
  risk: 'Deleting a database together with its backups leaves nothing to restore: the ransomware and runaway-agent scenario.',
  remediation:
    'Keep backup deletion out of every workload identity; enable deletion protection on Cloud SQL, Spanner and Bigtable, ' +
    'bucket retention policies (locked) or soft delete on critical buckets, and keep backups in a separate project.',
  references: ['https://cloud.google.com/sql/docs/mysql/deletion-protection', 'https://cloud.google.com/storage/docs/bucket-lock', 'https://cloud.google.com/storage/docs/soft-delete'],
  evaluate: perServiceAccount(
    (facts, gcp) => GCP_DESTRUCTIVE_ENTRIES.flatMap((entry) => finding(entry, facts, gcp) ?? []),
    { judgesGrants: true },
  ),
};
