export { openStore, Store } from './store.js';
export { StoreError } from './errors.js';
export { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations.js';
export type * from './types.js';
