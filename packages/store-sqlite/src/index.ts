export { SqliteStore } from './sqlite-store.js';
export type {
  SqliteStoreOptions,
  SqliteStoreCommonOptions,
  SqliteStoreFileOptions,
  SqliteStoreDatabaseOptions,
  SqliteStoreDatabase,
  SqliteSynchronous,
  SqliteCheckpoints,
  SqliteThread,
} from './sqlite-store-options.js';
