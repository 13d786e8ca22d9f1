import type { Figure } from './types.js';

/** A plain-text table with aligned columns. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A Markdown table (for `docs/benchmarks.md`). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** The columns of the run's main table. */
export const FIGURE_HEADER = ['scenario', 'figure', 'measured', 'baseline (same run)', 'target', 'met'] as const;

/** The main table's rows: each scenario's figures, or one `CRASHED` row for a scenario that crashed. */
export function figureRows(reports: readonly { readonly name: string; readonly crashed: string | null; readonly figures: readonly Figure[] }[]): string[][] {
  const rows: string[][] = [];
  for (const report of reports) {
    if (report.crashed !== null) rows.push([report.name, 'CRASHED', '—', '—', '—', '✗']);
    for (const f of report.figures) rows.push([report.name, f.figure, f.value, f.baseline, f.target, f.met === null ? '' : f.met ? 'yes' : 'NO']);
  }
  return rows;
}
