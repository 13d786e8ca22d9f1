/**
 * What every contender of the peer comparison offers: ours (`CallScheduler` on `SqliteStore` or
 * `MemoryStore`), BullMQ and plainjob. The workloads (`workloads.ts`) only talk to this.
 */

/** One job (for us: one call) to store: a distinct number and the instant it is due. */
export interface PeerJob {
  /** A distinct E.164 number (a peer keeps it as the job's data). */
  readonly to: string;
  /** When it is due, ms since the epoch. */
  readonly dueAt: number;
}

/** What a contender reports while it runs jobs. */
export interface RunHooks {
  /**
   * A job's handler runs (for us: the provider's `placeCall`), synchronously at its start.
   * `dueAt` is the due time the contender stored for that job (undefined when the driver was
   * opened without `track`).
   */
  onRun(dueAt: number | undefined): void;
  /** A job's life ended: our call ended (`ok`: completed), the peer marked the job done (or failed). */
  onDone(ok: boolean): void;
}

/** Options of a driver. */
export interface DriverOptions {
  /** The case's temp directory (SQLite files). */
  readonly tmpDir: string;
  /**
   * Keep each stored job's exact due time for {@link RunHooks.onRun} (the timed workloads). Off
   * for ingest, where it would add a lookup to what is measured.
   */
  readonly track: boolean;
}

/** One contender, opened in this process. */
export interface PeerDriver {
  /** Versions and settings, recorded with the result. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Stores one job through the contender's one-job API and waits until it is stored. */
  addOne(job: PeerJob): Promise<void>;
  /** Stores jobs through the contender's batch API (one call) and waits until they are stored. */
  addBatch(jobs: readonly PeerJob[]): Promise<void>;
  /**
   * Stores the jobs of a timed workload, each due at its own instant, the quickest way the
   * contender's API allows (not measured).
   */
  prepare(jobs: readonly PeerJob[]): Promise<void>;
  /** Starts running due jobs (our scheduler's `start()`, the peer's worker). */
  start(hooks: RunHooks): Promise<void>;
  /**
   * CPU time (ms) spent so far by a server process the contender needs (Redis for BullMQ: every
   * client's work, read from `INFO cpu`), or `null` when it has none.
   */
  serverCpuMs(): Promise<number | null>;
  /** Stops the workers and removes what the contender stored outside the temp dir. */
  close(): Promise<void>;
}

/** The contenders, by the name used in case ids and results. */
export const CONTENDERS = ['ours-sqlite', 'ours-memory', 'bullmq', 'plainjob-1s', 'plainjob-10ms'] as const;

/** One of {@link CONTENDERS}. */
export type ContenderName = (typeof CONTENDERS)[number];

/** Column titles of the comparison table. */
export const CONTENDER_TITLES: Readonly<Record<ContenderName, string>> = {
  'ours-sqlite': 'ours (SQLite)',
  'ours-memory': 'ours (MemoryStore)',
  bullmq: 'BullMQ',
  'plainjob-1s': 'plainjob (1 s poll)',
  'plainjob-10ms': 'plainjob (10 ms poll)',
};

/** Whether `name` is one of {@link CONTENDERS}. */
export function isContender(name: string): name is ContenderName {
  return (CONTENDERS as readonly string[]).includes(name);
}

/** Opens contender `name` in this process (each module is loaded only when its contender runs). */
export async function openDriver(name: ContenderName, options: DriverOptions): Promise<PeerDriver> {
  switch (name) {
    case 'ours-sqlite':
    case 'ours-memory': {
      const { openOurs } = await import('./ours.js');
      return openOurs(name === 'ours-sqlite' ? 'sqlite' : 'memory', options);
    }
    case 'bullmq': {
      const { openBullmq } = await import('./bullmq.js');
      return openBullmq(options);
    }
    case 'plainjob-1s':
    case 'plainjob-10ms': {
      const { openPlainjob } = await import('./plainjob.js');
      return openPlainjob(name === 'plainjob-1s' ? 1_000 : 10, options);
    }
  }
}
