import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Time in one area or function, in ms of the profile. */
export interface ProfileEntry {
  readonly name: string;
  readonly ms: number;
  /** Percent of the profile. */
  readonly share: number;
  /** Microseconds per call, when the number of calls is known. */
  readonly usPerCall?: number;
}

/** Where the time of a `.cpuprofile` went. */
export interface ProfileSummary {
  readonly totalMs: number;
  /** Calls the profiled run handled, when known. */
  readonly calls?: number;
  /** Self time by area (our packages, kysely, native SQLite, GC, idle...). */
  readonly areas: readonly ProfileEntry[];
  /** Functions with the most self time. */
  readonly topSelf: readonly ProfileEntry[];
  /** Functions of our packages and kysely with the most inclusive time (callees included). */
  readonly topInclusive: readonly ProfileEntry[];
}

const ROOT = process.cwd();

function shortUrl(url: string): string {
  let u = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  if (u.startsWith(ROOT)) u = u.slice(ROOT.length + 1);
  return u;
}

/** Self time in these JavaScript functions is the native code they call (better-sqlite3's statement methods). */
function isNativeSqliteCaller(frame: CallFrame): boolean {
  return (
    (frame.url.includes('/kysely/dist/esm/dialect/sqlite/sqlite-driver.js') && frame.functionName === 'executeQuery') ||
    frame.url.includes('/bench/lib/raw-loop') ||
    frame.url.includes('/bench/lib/sqlite-fixture')
  );
}

function areaOf(frame: CallFrame, parentArea: string | undefined): string {
  const { url, functionName } = frame;
  if (isNativeSqliteCaller(frame)) return 'SQLite: statement execution and commits (native)';
  if (url.includes('/packages/store-sqlite/src/database/statement-cache')) return 'store-sqlite: statement cache (+ native prepare on a miss)';
  if (url === '') {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle (waiting)';
    if (functionName === '(program)' || functionName === '(root)') return 'V8/native (unattributed)';
    if (parentArea !== undefined && /kysely|better-sqlite3|store-sqlite|SQLite/.test(parentArea)) return 'SQLite: statement execution and commits (native)';
    return 'native builtins';
  }
  if (url.includes('/packages/core/src/scheduler/')) return 'core: scheduler';
  if (url.includes('/packages/core/src/')) return 'core: other (schemas, ids, policies)';
  if (url.includes('/packages/store-sqlite/src/')) return 'store-sqlite (JS)';
  if (url.includes('/packages/store-memory/src/')) return 'store-memory';
  if (url.includes('/packages/http-adapter/src/')) return 'http-adapter (router, validation, JSON)';
  if (/\/node_modules\/(express|router|body-parser|finalhandler|send|serve-static|qs|raw-body|iconv-lite|on-finished|type-is|content-type|debug|path-to-regexp|parseurl|mime-types|accepts|negotiator|depd|http-errors|statuses|encodeurl|escape-html|etag|fresh|range-parser|vary|cookie|merge-descriptors|utils-merge|methods|setprototypeof|forwarded|proxy-addr)\//.test(url)) return 'express and its dependencies';
  if (url.includes('/node_modules/ky/')) return 'ky';
  if (url.includes('/node_modules/kysely/')) return 'kysely (build, compile, driver)';
  if (url.includes('/node_modules/better-sqlite3/')) return 'better-sqlite3 (JS)';
  if (url.includes('/node_modules/eventemitter3/')) return 'eventemitter3';
  if (url.includes('/node_modules/zod/')) return 'zod';
  if (url.includes('/node_modules/libphonenumber-js/')) return 'libphonenumber-js';
  if (url.includes('/bench/')) return 'bench harness';
  if (url.startsWith('node:')) return 'node internals (timers, promises...)';
  return 'other JS';
}

function entries(map: ReadonlyMap<string, number>, totalUs: number, limit: number, calls: number | undefined): ProfileEntry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({
      name,
      ms: Math.round(us / 100) / 10,
      share: Math.round((us / totalUs) * 1000) / 10,
      ...(calls === undefined || calls <= 0 ? {} : { usPerCall: Math.round((us / calls) * 10) / 10 }),
    }));
}

/**
 * Self time by area and function, and inclusive time of our functions, from a V8 `.cpuprofile`.
 * With `only`, just the samples taken at a time (µs on the profile's clock, the monotonic clock of
 * `process.hrtime`) that it accepts.
 */
export function summarizeCpuProfile(file: string, calls?: number, limit = 20, only?: (atUs: number) => boolean): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const areaCache = new Map<number, string>();
  const area = (id: number): string => {
    const cached = areaCache.get(id);
    if (cached !== undefined) return cached;
    const node = byId.get(id);
    if (node === undefined) return 'unknown';
    const p = parent.get(id);
    const a = areaOf(node.callFrame, p === undefined ? undefined : area(p));
    areaCache.set(id, a);
    return a;
  };
  const label = (node: ProfileNode): string =>
    `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url === '' ? '' : `${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`}`.trim();

  const areas = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (only !== undefined && !only(at)) return;
    total += delta;
    const node = byId.get(id);
    if (node === undefined) return;
    const a = area(id);
    areas.set(a, (areas.get(a) ?? 0) + delta);
    const key = a.startsWith('SQLite') ? `${label(node)} (native SQLite under it)` : label(node);
    self.set(key, (self.get(key) ?? 0) + delta);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (n === undefined) break;
      if (!/packages\/|kysely|bench\/lib/.test(n.callFrame.url)) continue;
      const k = label(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + delta);
    }
  });
  return {
    totalMs: Math.round(total / 1000),
    ...(calls === undefined ? {} : { calls }),
    areas: entries(areas, total, 30, calls),
    topSelf: entries(self, total, limit, calls),
    topInclusive: entries(inclusive, total, limit, calls),
  };
}

/** The three lists of `summary` as text: by area, functions by own time, ours by inclusive time. */
export function summaryText(summary: ProfileSummary, areasTitle = 'By area (own time)'): string {
  const line = (e: ProfileEntry): string =>
    `${e.ms.toFixed(e.ms < 100 ? 1 : 0).padStart(8)} ms ${e.share.toFixed(1).padStart(5)}%${e.usPerCall === undefined ? '' : ` ${e.usPerCall.toFixed(1).padStart(7)} µs/call`}  ${e.name}`;
  return [
    `${areasTitle}:\n${summary.areas.map(line).join('\n')}`,
    `Functions by own time:\n${summary.topSelf.map(line).join('\n')}`,
    `Our functions and kysely's by inclusive time:\n${summary.topInclusive.map(line).join('\n')}`,
  ].join('\n\n');
}
