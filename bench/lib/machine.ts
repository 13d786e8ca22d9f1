import { execFileSync } from 'node:child_process';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import Database from 'better-sqlite3';

/** The machine a run was measured on. */
export interface MachineInfo {
  readonly date: string;
  readonly node: string;
  readonly platform: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly totalMemoryBytes: number;
  readonly sqlite: string;
  /** 1, 5 and 15 minute load averages when the run started (the machine is shared). */
  readonly loadAverageAtStart: readonly number[];
  /** The commit measured, and whether the working tree had uncommitted changes. */
  readonly commit: string;
  readonly uncommittedChanges: boolean;
}

function git(args: readonly string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** Node version, CPU model and core count, SQLite version, and the date. */
export function machineInfo(): MachineInfo {
  const list = cpus();
  const db = new Database(':memory:');
  const sqlite = (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
  db.close();
  return {
    date: new Date().toISOString(), // clock-ok: the report's date
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    totalMemoryBytes: totalmem(),
    sqlite,
    loadAverageAtStart: loadavg().map((v) => Math.round(v * 100) / 100),
    commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    uncommittedChanges: git(['status', '--porcelain', '--untracked-files=no', '--', 'packages']) !== '',
  };
}
