/**
 * GCP data stores with the permissions that destroy them and those that
 * destroy or disable their backups (same shape as the AWS catalog; each
 * entry tested from a minimal role: test/catalog/gcp-destructive-actions.test.ts).
 */
import type { DestructiveEntry } from './destructive-actions.js';

export const GCP_DESTRUCTIVE_ENTRIES: readonly DestructiveEntry[] = [
  {
    id: 'gcp-cloudsql-instance',
    store: 'Cloud SQL instances',
    destroy: ['cloudsql.instances.delete'],
    // Turning automated backups off is an instance update.
    backups: ['cloudsql.backupRuns.delete', 'cloudsql.instances.update'],
    references: ['https://cloud.google.com/sql/docs/mysql/backup-recovery/backups', 'https://cloud.google.com/sql/docs/mysql/deletion-protection'],
  },
  {
    id: 'gcp-storage-bucket',
    store: 'Cloud Storage buckets and objects',
    destroy: ['storage.buckets.delete', 'storage.objects.delete'],
    // Versioning, soft delete, retention and lifecycle are bucket settings.
    backups: ['storage.buckets.update'],
    references: ['https://cloud.google.com/storage/docs/object-versioning', 'https://cloud.google.com/storage/docs/soft-delete'],
  },
  {
    id: 'gcp-compute-disk',
    store: 'Compute Engine persistent disks',
    destroy: ['compute.disks.delete'],
    backups: ['compute.snapshots.delete', 'compute.resourcePolicies.delete'],
    references: ['https://cloud.google.com/compute/docs/disks/create-snapshots', 'https://cloud.google.com/compute/docs/disks/scheduled-snapshots'],
  },
  {
    id: 'gcp-spanner-database',
    store: 'Spanner databases',
    destroy: ['spanner.databases.drop', 'spanner.instances.delete'],
    backups: ['spanner.backups.delete'],
    references: ['https://cloud.google.com/spanner/docs/backup', 'https://cloud.google.com/spanner/docs/prevent-database-deletion'],
  },
  {
    id: 'gcp-bigtable-table',
    store: 'Bigtable tables',
    destroy: ['bigtable.tables.delete', 'bigtable.instances.delete'],
    backups: ['bigtable.backups.delete'],
    references: ['https://cloud.google.com/bigtable/docs/backups'],
  },
  {
    id: 'gcp-firestore-database',
    store: 'Firestore / Datastore databases',
    destroy: ['datastore.databases.delete'],
    backups: ['datastore.backups.delete', 'datastore.backupSchedules.delete'],
    references: ['https://cloud.google.com/firestore/docs/backups', 'https://cloud.google.com/firestore/docs/manage-databases#delete_a_database'],
  },
];
