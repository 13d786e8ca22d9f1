/** Distribution of a sample. */
export interface Distribution {
  readonly count: number;
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** The `q` quantile (0..1) of an ascending array, nearest-rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Percentiles, min, max and mean of `values` (any order). */
export function distribution(values: readonly number[]): Distribution {
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  let sum = 0;
  for (const v of list) sum += v;
  return {
    count: list.length,
    min: list[0] ?? Number.NaN,
    p50: quantile(list, 0.5),
    p90: quantile(list, 0.9),
    p99: quantile(list, 0.99),
    max: list[list.length - 1] ?? Number.NaN,
    mean: list.length === 0 ? Number.NaN : sum / list.length,
  };
}

/** The median of a few numbers. */
export function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

/** `1234.5` → `1,235`; small numbers keep `digits` decimals. */
export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Milliseconds with two decimals under 10 ms, one under 1 s, else whole. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs < 10) return `${value.toFixed(2)} ms`;
  if (abs < 1000) return `${value.toFixed(1)} ms`;
  return `${fmt(value)} ms`;
}

/** Bytes as MB (10^6) with one decimal. */
export function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
