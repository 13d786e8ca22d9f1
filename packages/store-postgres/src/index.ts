export { PostgresStore } from './postgres-store.js';
export type {
  PostgresStoreOptions,
  PostgresStoreCommonOptions,
  PostgresStorePoolOptions,
  PostgresStoreConnectionOptions,
  PostgresStorePool,
  PostgresStorePoolClient,
  PostgresQueryResultLike,
  PostgresNotification,
} from './postgres-store-options.js';
