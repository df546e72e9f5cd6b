export { openStore, Store } from './store.js';
export { StoreBusyError, StoreError } from './errors.js';
export { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations.js';
export type * from './types.js';
