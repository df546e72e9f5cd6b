export { openStore, Store } from './store.js';
export { StoreBusyError, StoreError } from './errors.js';
export { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations.js';
export type * from './types.js';
export type { CloudTrailS3Day, CloudTrailS3Object, CloudTrailS3Scope } from './cloudtrail-s3-cursor.js';
export type { ActionResourceEvidence, ResourceEvidence } from './resource-usage.js';
export type { ScanSummary } from './scan-summaries.js';
export { cloudTrailPartitionOfPath } from './query-loads.js';
export type { LoadedPartition, QueryEngine, QueryLoad, QueryLoadDay, QueryLoadWritten } from './query-loads.js';
