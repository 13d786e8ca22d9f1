/** What one measured process reports: plain JSON. */
export type CaseResult = Record<string, unknown>;

/** Everything a case implementation gets from the runner. */
export interface CaseContext {
  /** Smaller sizes, to prove that the scripts work (CI). */
  readonly quick: boolean;
  /** A temp directory for this case (SQLite files); the orchestrator deletes it afterwards. */
  readonly tmpDir: string;
  /** Extra parameters from the case spec. */
  readonly params: Readonly<Record<string, string>>;
  /** Progress lines for people; they go to stderr (the orchestrator shows them on failure). */
  log(message: string): void;
}

/** A case implementation, run in its own fresh process. */
export type CaseFn = (context: CaseContext) => Promise<CaseResult>;

/** One measured process of a scenario. */
export interface CaseSpec {
  /** Key of the implementation in the scenario's `cases.ts`. */
  readonly name: string;
  /** Key of the result (when one implementation runs with different parameters). @default name */
  readonly id?: string;
  /** Extra Node flags (`--expose-gc`). */
  readonly nodeArgs?: readonly string[];
  /** Parameters passed to the implementation. */
  readonly params?: Readonly<Record<string, string | number>>;
  /** A case whose process must run first in the same temp directory (e.g. bulk inserts). */
  readonly prep?: { readonly name: string; readonly params?: Readonly<Record<string, string | number>> };
  /** Killed (and the scenario counted as crashed) after this long. */
  readonly timeoutMs: number;
  /**
   * Profile the measured part (the case wraps it in `profiled()`): the `.cpuprofile` is kept in
   * `bench/results/` and summarized into the result.
   */
  readonly profile?: boolean;
}

/** One row of the table. */
export interface Figure {
  /** What is measured, e.g. `lateness p99`. */
  readonly figure: string;
  /** The measured value, formatted. */
  readonly value: string;
  /** The baseline's value measured in the same run, formatted (or `—`). */
  readonly baseline: string;
  /** The target, in words. */
  readonly target: string;
  /** `true` met, `false` missed, `null` nothing to judge (informational). */
  readonly met: boolean | null;
}

/** A scenario: its processes and how to turn their results into figures. */
export interface ScenarioDef {
  /** Folder name under `bench/scenarios`. */
  readonly name: string;
  /** One line for people. */
  readonly title: string;
  /**
   * Left out of `--quick` runs unless asked for by `--<name>` or `--only=<name>` (for example
   * because it needs a server that CI does not start, or would take CI's quick run past a minute).
   */
  readonly quickOnRequest?: boolean;
  /** The processes to run, in order. */
  cases(quick: boolean): CaseSpec[];
  /** Turns the results (by case name) into table rows. Throws if a result is unusable. */
  summarize(results: Readonly<Record<string, CaseResult>>, quick: boolean): Figure[];
  /** More for people, in Markdown (a comparison table): printed after the main table and kept in the JSON. */
  tables?(results: Readonly<Record<string, CaseResult>>, quick: boolean): string;
}
