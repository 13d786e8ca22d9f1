/**
 * `datetime.now().isoformat()` as the reference (Python) server writes it: local time of this
 * machine, no offset, microseconds (`2025-11-01T14:00:00.123000`). Like Python, the fraction is
 * left out when it is zero.
 */
export function pythonLocalIsoformat(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  const base =
    `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  const ms = date.getMilliseconds();
  return ms === 0 ? base : `${base}.${pad(ms * 1000, 6)}`;
}
