// Wall-clock time in an IANA time zone <-> instants, with the platform's Intl data only.

const DAY_MS = 24 * 60 * 60 * 1000;
const formatters = new Map();

function formatterFor(timeZone) {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock fields of the instant `ms` in `timeZone`. */
export function wallClockOf(ms, timeZone) {
  const parts = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** How far `timeZone`'s clocks are ahead of UTC at the instant `ms`, in ms. */
export function offsetAt(ms, timeZone) {
  const w = wallClockOf(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant (epoch ms) at which the clocks of `timeZone` show `local` (`YYYY-MM-DDTHH:MM[:SS]`),
 * or `null` when `local` is not such a text. A time that exists twice (clocks going back) is the
 * earlier instant; a time that does not exist (clocks going forward) moves forward by the length
 * of the gap, so 02:30 on a 02:00→03:00 night is 03:30. This is Temporal's "compatible" rule, the
 * same as the scheduler's.
 */
export function zonedToInstant(local, timeZone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0));
  const localMs = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(localMs);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return null;
  const before = offsetAt(localMs - DAY_MS, timeZone);
  const after = offsetAt(localMs + DAY_MS, timeZone);
  const candidates = [...new Set([before, after])]
    .map((offset) => localMs - offset)
    .filter((instant) => instant + offsetAt(instant, timeZone) === localMs);
  if (candidates.length > 0) return Math.min(...candidates);
  return localMs - before;
}

const pad = (n) => String(n).padStart(2, '0');

/** The `YYYY-MM-DDTHH:MM` text (for `<input type="datetime-local">`) of the instant `ms` in `timeZone`. */
export function instantToLocalInput(ms, timeZone) {
  const w = wallClockOf(ms, timeZone);
  return `${String(w.year).padStart(4, '0')}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}
