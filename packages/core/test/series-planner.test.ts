import { describe, expect, it } from 'vitest';
import { OccurrenceSchedule } from '../src/series/occurrences.js';
import { parseScheduleSeriesInput, type ScheduleSeriesInput } from '../src/series/series-input.js';
import {
  newSeriesRecord,
  planChange,
  planEnd,
  planExcludeOccurrence,
  planPause,
  planResume,
  planSeriesStep,
  type PlannedOccurrence,
  type SeriesChange,
} from '../src/series/series-planner.js';
import type { CallSeriesRecord, SeriesCursorPatch } from '../src/series/series-store.js';

const Z = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** A series as a store would hold it after insert. */
function seriesOf(input: Partial<ScheduleSeriesInput>, now: number): CallSeriesRecord {
  const parsed = parseScheduleSeriesInput({ to: '+12125550123', cron: '0 9 * * *', timeZone: 'America/New_York', ...input }, now);
  return { ...newSeriesRecord(parsed, 'series-1', now), version: 1, updatedAt: now };
}

/** What a store's materializeOccurrences / updateSeries does with a patch (no CAS: one writer here). */
function apply(series: CallSeriesRecord, patch: SeriesCursorPatch | SeriesChange['patch'], now: number): CallSeriesRecord {
  return { ...series, ...patch, version: series.version + 1, updatedAt: now };
}

/**
 * Runs the series on a fake timeline: plans at each `planAt` until `until`, the way a scheduler
 * whose timer fires on time would, and returns every occurrence created.
 */
function runUntil(start: CallSeriesRecord, until: number): { series: CallSeriesRecord; created: PlannedOccurrence[]; steps: number } {
  let series = start;
  const created: PlannedOccurrence[] = [];
  let steps = 0;
  while (series.planAt !== null && series.planAt <= until) {
    const now = Math.max(series.planAt, series.updatedAt);
    const step = planSeriesStep(series, now);
    expect(step.patch).not.toBeNull();
    created.push(...step.occurrences);
    series = apply(series, step.patch as SeriesCursorPatch, now);
    steps++;
  }
  return { series, created, steps };
}

describe('planSeriesStep on a fake timeline', () => {
  it('creates one occurrence a minute before it is due, never the whole series, each exactly once', () => {
    const created = Z('2026-03-01T00:00:00Z');
    const input = {
      cron: '0 9 * * MON-FRI',
      startAt: { local: '2026-03-01T00:00', timeZone: 'America/New_York' },
      endAt: { local: '2026-11-30T23:59', timeZone: 'America/New_York' },
    };
    const series = seriesOf(input, created);
    expect(iso(series.nextOccurrenceAt)).toBe('2026-03-02T14:00:00.000Z');
    expect(iso(series.planAt)).toBe('2026-03-02T13:59:00.000Z');

    // Step by step, the series holds at most one occurrence ahead.
    const first = planSeriesStep(series, Z('2026-03-02T13:59:00Z'));
    expect(first.occurrences.map((o) => iso(o.occurrenceAt))).toEqual(['2026-03-02T14:00:00.000Z']);
    expect(first.patch).toMatchObject({ nextOccurrenceAt: Z('2026-03-03T14:00:00Z'), lastOccurrenceAt: Z('2026-03-02T14:00:00Z'), occurrencesCreated: 1, status: 'active' });
    expect(iso(first.wakeAt)).toBe('2026-03-03T13:59:00.000Z');
    expect(planSeriesStep(series, Z('2026-03-02T13:58:59Z'))).toEqual({ occurrences: [], skipped: null, patch: null, wakeAt: Z('2026-03-02T13:59:00Z') });

    const run = runUntil(series, Z('2026-12-31T00:00:00Z'));
    const expected = new OccurrenceSchedule({ cron: '0 9 * * MON-FRI', timeZone: 'America/New_York', startAt: series.startAt, endAt: series.endAt });
    expect(run.created.map((o) => o.occurrenceAt)).toEqual(expected.upcoming(0, 1000).map((o) => o.at));
    expect(run.created.length).toBe(196);
    expect(run.steps).toBe(196);
    expect(run.created.every((o) => !o.missed)).toBe(true);
    expect(run.series).toMatchObject({ status: 'ended', endReason: 'endAt', planAt: null, nextOccurrenceAt: null, occurrencesCreated: 196 });
  });

  it('gives every occurrence call the series policies: expiry after its time, window, retry, metadata', () => {
    const now = Z('2026-06-01T12:00:00Z');
    const series = seriesOf(
      {
        expiresAfter: 2 * 3_600_000,
        window: { mon: [{ start: '09:00', end: '17:00' }] },
        retry: { busy: { delaysMs: [60_000], maxAttempts: 2 } },
        metadata: { plan: 'check-in' },
      },
      now,
    );
    const step = planSeriesStep(series, Z('2026-06-01T12:59:00Z'));
    expect(step.occurrences).toEqual([
      {
        occurrenceAt: Z('2026-06-01T13:00:00Z'),
        missed: false,
        call: {
          to: '+12125550123',
          at: Z('2026-06-01T13:00:00Z'),
          timeZone: 'America/New_York',
          window: { mon: [{ start: '09:00', end: '17:00' }] },
          expiresAt: Z('2026-06-01T15:00:00Z'),
          retry: { busy: { delaysMs: [60_000], maxAttempts: 2 } },
          idempotencyKey: undefined,
          metadata: { plan: 'check-in' },
        },
      },
    ]);
  });

  it('ends after count calls', () => {
    const series = seriesOf({ count: 3 }, Z('2026-06-01T12:00:00Z'));
    const run = runUntil(series, Z('2026-07-01T00:00:00Z'));
    expect(run.created.map((o) => iso(o.occurrenceAt))).toEqual(['2026-06-01T13:00:00.000Z', '2026-06-02T13:00:00.000Z', '2026-06-03T13:00:00.000Z']);
    expect(run.series).toMatchObject({ status: 'ended', endReason: 'count', occurrencesCreated: 3, planAt: null });
    expect(planSeriesStep(run.series, Z('2026-07-01T00:00:00Z')).patch).toBeNull();
  });

  it('is a pure function: two schedulers planning the same version get the same step', () => {
    const series = seriesOf({}, Z('2026-06-01T12:00:00Z'));
    const at = Z('2026-06-01T12:59:30Z');
    expect(planSeriesStep(series, at)).toEqual(planSeriesStep(structuredClone(series), at));
  });
});

describe('catchUp after a scheduler was down for 3 days', () => {
  // Daily 09:00 New York (13:00Z in June). The 06-01 occurrence was created; the scheduler went
  // down before 06-02 12:59Z and comes back on 06-05 at 15:00Z: 06-02, 06-03, 06-04 and 06-05
  // were missed.
  const down = (catchUp: 'skip' | 'latest' | 'all'): CallSeriesRecord => {
    const series = seriesOf({ catchUp }, Z('2026-06-01T12:00:00Z'));
    const step = planSeriesStep(series, Z('2026-06-01T12:59:00Z'));
    return apply(series, step.patch as SeriesCursorPatch, Z('2026-06-01T12:59:00Z'));
  };
  const back = Z('2026-06-05T15:00:00Z');

  it("'skip' creates none of the missed occurrences and goes on with the next", () => {
    const step = planSeriesStep(down('skip'), back);
    expect(step.occurrences).toEqual([]);
    expect(step.skipped).toEqual({ first: Z('2026-06-02T13:00:00Z'), last: Z('2026-06-05T13:00:00Z') });
    expect(step.patch).toMatchObject({ nextOccurrenceAt: Z('2026-06-06T13:00:00Z'), planAt: Z('2026-06-06T12:59:00Z'), occurrencesCreated: 1 });
  });

  it("'latest' creates only the most recent missed occurrence", () => {
    const step = planSeriesStep(down('latest'), back);
    expect(step.occurrences.map((o) => [iso(o.occurrenceAt), o.missed])).toEqual([['2026-06-05T13:00:00.000Z', true]]);
    expect(step.skipped).toEqual({ first: Z('2026-06-02T13:00:00Z'), last: Z('2026-06-04T13:00:00Z') });
    expect(step.patch).toMatchObject({ nextOccurrenceAt: Z('2026-06-06T13:00:00Z'), lastOccurrenceAt: Z('2026-06-05T13:00:00Z'), occurrencesCreated: 2 });
  });

  it("'all' creates each missed occurrence, in order", () => {
    const step = planSeriesStep(down('all'), back);
    expect(step.occurrences.map((o) => iso(o.occurrenceAt))).toEqual(['2026-06-02', '2026-06-03', '2026-06-04', '2026-06-05'].map((d) => `${d}T13:00:00.000Z`));
    expect(step.occurrences.every((o) => o.missed)).toBe(true);
    expect(step.skipped).toBeNull();
    expect(step.patch).toMatchObject({ nextOccurrenceAt: Z('2026-06-06T13:00:00Z'), occurrencesCreated: 5 });
  });

  it("'all' is bounded by maxCatchUp (the most recent ones) and by count", () => {
    const bounded = planSeriesStep(down('all'), back, { maxCatchUp: 2 });
    expect(bounded.occurrences.map((o) => iso(o.occurrenceAt))).toEqual(['2026-06-04T13:00:00.000Z', '2026-06-05T13:00:00.000Z']);
    expect(bounded.skipped).toEqual({ first: Z('2026-06-02T13:00:00Z'), last: Z('2026-06-03T13:00:00Z') });

    const counted = { ...down('all'), count: 3 };
    const step = planSeriesStep(counted, back);
    expect(step.occurrences.map((o) => iso(o.occurrenceAt))).toEqual(['2026-06-04T13:00:00.000Z', '2026-06-05T13:00:00.000Z']);
    expect(step.patch).toMatchObject({ status: 'ended', endReason: 'count', occurrencesCreated: 3 });
  });

  it('an occurrence less than graceMs late is not missed, whatever the policy', () => {
    const late = planSeriesStep(down('skip'), Z('2026-06-02T13:00:30Z'));
    expect(late.occurrences.map((o) => [iso(o.occurrenceAt), o.missed])).toEqual([['2026-06-02T13:00:00.000Z', false]]);
    expect(late.skipped).toBeNull();
  });

  it('a year of downtime on a pattern every minute is planned from the end, not walked', () => {
    const series = seriesOf({ cron: '* * * * *', catchUp: 'latest' }, Z('2026-01-01T00:00:00Z'));
    const started = performance.now();
    const step = planSeriesStep(series, Z('2027-01-01T00:00:00Z'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(step.occurrences.map((o) => [iso(o.occurrenceAt), o.missed])).toEqual([
      ['2026-12-31T23:58:00.000Z', true], // the latest before now - graceMs
      ['2026-12-31T23:59:00.000Z', false], // within the grace
      ['2027-01-01T00:00:00.000Z', false],
      ['2027-01-01T00:01:00.000Z', false], // within leadMs
    ]);
  });
});

describe('changing a series', () => {
  const now = Z('2026-06-01T12:00:00Z');
  const running = (): CallSeriesRecord => {
    const series = seriesOf({ cron: '0 9 * * *' }, now);
    const step = planSeriesStep(series, Z('2026-06-01T12:59:00Z'));
    return apply(series, step.patch as SeriesCursorPatch, Z('2026-06-01T12:59:00Z'));
  };
  const pending = [{ callId: 'call-0601', occurrenceAt: Z('2026-06-01T13:00:00Z') }];

  it('pause cancels the pending occurrence and stops planning; resume goes on from now without catching up', () => {
    const series = running();
    const pause = planPause(series, pending);
    expect(pause).toEqual({ patch: { status: 'paused', planAt: null }, cancelCallIds: ['call-0601'] });
    const paused = apply(series, pause.patch, Z('2026-06-01T12:59:30Z'));
    expect(planSeriesStep(paused, Z('2026-06-10T00:00:00Z')).patch).toBeNull();
    expect(() => planPause(paused, [])).toThrow(/paused, not active/);

    const resume = planResume(paused, Z('2026-06-03T15:00:00Z'));
    expect(resume.patch).toMatchObject({ status: 'active', nextOccurrenceAt: Z('2026-06-04T13:00:00Z'), planAt: Z('2026-06-04T12:59:00Z') });
    // Resumed before the canceled occurrence's time: that occurrence is not created again.
    const early = planResume(paused, Z('2026-06-01T12:59:40Z'));
    expect(early.patch.nextOccurrenceAt).toBe(Z('2026-06-02T13:00:00Z'));
    expect(() => planResume(series, now)).toThrow(/active, not paused/);
  });

  it('a new pattern keeps a pending call the new pattern still has and cancels the others', () => {
    const series = running();
    // Daily 09:00 -> weekdays 09:00: 2026-06-01 is a Monday, so its pending call stays.
    const weekdays = planChange(series, { cron: '0 9 * * MON-FRI' }, pending, Z('2026-06-01T12:59:30Z'));
    expect(weekdays.cancelCallIds).toEqual([]);
    expect(weekdays.patch).toMatchObject({ cron: '0 9 * * MON-FRI', nextOccurrenceAt: Z('2026-06-02T13:00:00Z') });
    // -> 10:00: the pending 09:00 call is canceled; the cursor moves to 10:00 the same day.
    const ten = planChange(series, { cron: '0 10 * * *' }, pending, Z('2026-06-01T12:59:30Z'));
    expect(ten.cancelCallIds).toEqual(['call-0601']);
    expect(ten.patch).toMatchObject({ nextOccurrenceAt: Z('2026-06-01T14:00:00Z'), planAt: Z('2026-06-01T13:59:00Z'), status: 'active' });
    // -> another zone: 09:00 in Berlin is 07:00Z.
    const berlin = planChange(series, { timeZone: 'Europe/Berlin' }, pending, Z('2026-06-01T12:59:30Z'));
    expect(berlin.cancelCallIds).toEqual(['call-0601']);
    expect(berlin.patch.nextOccurrenceAt).toBe(Z('2026-06-02T07:00:00Z'));
    // A policy change keeps the pending call and applies to the next ones.
    expect(planChange(series, { expiresAfterMs: 60_000 }, pending, Z('2026-06-01T12:59:30Z')).cancelCallIds).toEqual([]);
    // A count already reached ends the series.
    expect(planChange(series, { count: 1 }, pending, Z('2026-06-01T12:59:30Z')).patch).toMatchObject({ status: 'ended', endReason: 'count' });
  });

  it('canceling one occurrence not yet created leaves it out and keeps the series going', () => {
    const series = running(); // cursor: 06-02 13:00Z
    const exclude = planExcludeOccurrence(series, Z('2026-06-02T13:00:00Z'), Z('2026-06-01T14:00:00Z'));
    expect(exclude.patch).toMatchObject({ excludedOccurrences: [Z('2026-06-02T13:00:00Z')], nextOccurrenceAt: Z('2026-06-03T13:00:00Z') });
    const later = planExcludeOccurrence(series, Z('2026-06-05T13:00:00Z'), Z('2026-06-01T14:00:00Z'));
    expect(later.patch).toEqual({ excludedOccurrences: [Z('2026-06-05T13:00:00Z')] });
    const run = runUntil(apply(series, later.patch, Z('2026-06-01T14:00:00Z')), Z('2026-06-07T00:00:00Z'));
    expect(run.created.map((o) => (iso(o.occurrenceAt) ?? '').slice(0, 10))).toEqual(['2026-06-02', '2026-06-03', '2026-06-04', '2026-06-06']);
    expect(() => planExcludeOccurrence(series, Z('2026-06-02T13:30:00Z'), now)).toThrow(/not an occurrence/);
    expect(() => planExcludeOccurrence(series, Z('2026-06-01T13:00:00Z'), now)).toThrow(/still to come/);
  });

  it('ending cancels the pending occurrence for good', () => {
    const end = planEnd(running(), pending, Z('2026-06-01T12:59:30Z'));
    expect(end).toEqual({
      patch: { status: 'ended', endReason: 'canceled', endedAt: Z('2026-06-01T12:59:30Z'), planAt: null, nextOccurrenceAt: null },
      cancelCallIds: ['call-0601'],
    });
  });

  it('the holiday calendar of the planner options leaves out its dates', () => {
    const series = running();
    const skip = (date: string): boolean => date === '2026-06-03';
    let current = series;
    const created: string[] = [];
    for (let i = 0; i < 3; i++) {
      const at = current.planAt as number;
      const step = planSeriesStep(current, at, { skip });
      created.push(...step.occurrences.map((o) => iso(o.occurrenceAt) as string));
      current = apply(current, step.patch as SeriesCursorPatch, at);
    }
    expect(created).toEqual(['2026-06-02T13:00:00.000Z', '2026-06-04T13:00:00.000Z', '2026-06-05T13:00:00.000Z']);
  });
});

describe('excluded occurrences', () => {
  it('a cursor left on an excluded occurrence moves past it; the list is pruned and bounded', () => {
    const now = Z('2026-06-01T12:00:00Z');
    const series = { ...seriesOf({}, now), excludedOccurrences: [Z('2026-06-01T13:00:00Z')] };
    const step = planSeriesStep(series, Z('2026-06-01T12:59:00Z'));
    expect(step.occurrences).toEqual([]);
    expect(step.patch).toMatchObject({ nextOccurrenceAt: Z('2026-06-02T13:00:00Z') });

    const moved = apply(series, step.patch as SeriesCursorPatch, Z('2026-06-01T12:59:00Z'));
    // Excluding a later one drops those the cursor has passed.
    expect(planExcludeOccurrence(moved, Z('2026-06-04T13:00:00Z'), now).patch.excludedOccurrences).toEqual([Z('2026-06-04T13:00:00Z')]);
    const full = { ...moved, excludedOccurrences: Array.from({ length: 1000 }, (_, i) => Z('2027-01-01T14:00:00Z') + i * 86_400_000) };
    expect(() => planExcludeOccurrence(full, Z('2026-06-04T13:00:00Z'), now)).toThrow(/already has 1000 canceled occurrences/);
  });
});
