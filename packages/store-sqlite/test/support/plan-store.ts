import { afterAll, beforeAll } from 'vitest';
import { SqliteStore } from '../../src/index.js';
import { recordingDatabase } from './recording-database.js';
import { tempDir } from './temp-files.js';

/** A SqliteStore on a {@link recordingDatabase}, for query-plan tests. */
export interface PlanStore {
  readonly store: SqliteStore;
  /** The store's database, recording every statement it runs. */
  readonly recorder: ReturnType<typeof recordingDatabase>;
}

/**
 * For one `describe` block of query-plan tests: in `beforeAll` (at most `timeoutMs`), a new
 * SqliteStore on a recording database in a new temporary directory, initialised and then filled
 * by `fill`; in `afterAll`, closed and the directory removed. Read its fields inside tests only.
 */
export function usePlanStore(fill: (rig: PlanStore) => Promise<void>, options: { readonly prefix?: string; readonly timeoutMs?: number } = {}): PlanStore {
  let dir: ReturnType<typeof tempDir> | undefined;
  let rig: PlanStore | undefined;
  beforeAll(async () => {
    dir = tempDir(options.prefix);
    const recorder = recordingDatabase(dir.file('plans.db'));
    rig = { store: new SqliteStore({ database: recorder.database }), recorder };
    await rig.store.init();
    await fill(rig);
  }, options.timeoutMs);
  afterAll(async () => {
    try {
      await rig?.store.close();
      rig?.recorder.raw.close();
    } finally {
      dir?.remove();
    }
  });
  const opened = (): PlanStore => {
    if (rig === undefined) throw new Error('usePlanStore: the store exists only inside tests');
    return rig;
  };
  return {
    get store() {
      return opened().store;
    },
    get recorder() {
      return opened().recorder;
    },
  };
}
