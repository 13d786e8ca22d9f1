// Medians, head/base ratios, verdicts and the Markdown table, shared by compare.mjs (one run) and
// table.mjs (one table from the result files of several runs).

/** The median of the finite numbers in `values` (NaN if none). */
export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A number for the table: 3 significant digits or more, thousands separated. */
export function fmt(value) {
  if (!Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/**
 * Median of each side, head/base, and a verdict: `better`/`worse` only when the two sides' ranges
 * do not overlap and the medians differ by more than `noise` (relative); otherwise `same`.
 */
export function compareFigure(fig, baseValues, headValues, noise) {
  const b = median(baseValues);
  const h = median(headValues);
  const ratio = b === 0 && h === 0 ? 1 : h / b;
  const bl = baseValues.filter((v) => Number.isFinite(v));
  const hl = headValues.filter((v) => Number.isFinite(v));
  let verdict = 'same';
  if (bl.length === 0 || hl.length === 0) verdict = 'n/a';
  else {
    const separated = Math.max(...hl) < Math.min(...bl) || Math.min(...hl) > Math.max(...bl);
    const differs = b === 0 ? h !== 0 : Math.abs(ratio - 1) > noise;
    if (separated && differs) verdict = (fig.better === 'lower') === h < b ? 'better' : 'worse';
  }
  return { figure: fig.name, unit: fig.unit, better: fig.better, base: b, head: h, ratio, verdict, baseValues, headValues };
}

/** The figures of one case entry (its recorded runs) by the figure readers of its suite spec. */
export function figuresOf(entry, spec, noise) {
  const values = (fig, side) => entry.runs.filter((r) => r.side === side && r.result !== undefined).map((r) => fig.read(r.result));
  return spec.figures.map((fig) => compareFigure(fig, values(fig, 'base'), values(fig, 'head'), noise));
}

function row(cells) {
  return `| ${cells.join(' | ')} |`;
}

/** The Markdown table of case entries that have figures. */
export function markdownTable(cases) {
  const header = ['scenario', 'case', 'figure', 'base median', 'head median', 'head/base', 'verdict', 'base runs', 'head runs'];
  const lines = [row(header), row(header.map(() => '---'))];
  for (const c of cases) {
    for (const f of c.figures ?? []) {
      lines.push(
        row([
          c.scenario,
          c.id,
          `${f.figure} (${f.unit}, ${f.better} is better)`,
          fmt(f.base),
          fmt(f.head),
          Number.isFinite(f.ratio) ? f.ratio.toFixed(3) : '—',
          f.verdict,
          f.baseValues.map(fmt).join(', '),
          f.headValues.map(fmt).join(', '),
        ]),
      );
    }
  }
  return lines.join('\n');
}

/** The 1-minute load average recorded before the pairs of `cases`: min, median and max. */
export function loadSummary(cases) {
  const loads = cases.flatMap((c) => c.runs.map((r) => r.loadBefore[0]));
  return { min: Math.min(...loads), median: Math.round(median(loads) * 100) / 100, max: Math.max(...loads) };
}
