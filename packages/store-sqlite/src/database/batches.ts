// Owns: how many rows or values one SQLite statement takes, and cutting a list into such batches.

/** Rows per multi-row `INSERT`: well under SQLite's 32,766 bound variables (24 columns × 500). */
export const ROWS_PER_INSERT = 500;
/** Values per `IN (...)` list. */
export const VALUES_PER_IN = 500;

/** `items` cut into lists of at most `size`, in order. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
