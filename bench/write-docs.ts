/**
 * Writes the tables of a full run into `docs/benchmarks.md`, between its markers:
 *
 *   node --conditions=@call-scheduler/source --import tsx bench/write-docs.ts [bench/results/latest.json]
 *
 * `<!-- bench-table:start -->` … `<!-- bench-table:end -->` gets the main table, and
 * `<!-- <scenario>-table:start -->` … `<!-- <scenario>-table:end -->` a scenario's own tables (the
 * peers' comparison). The prose around them (dates, load, what the figures mean) stays for a
 * person to update. A quick run is refused: its timings mean nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');

interface RunJson {
  readonly quick: boolean;
  readonly markdown: string;
  readonly machine: { readonly date: string; readonly commit: string; readonly loadAverageAtStart: readonly number[] };
  readonly loadAverageAtEnd?: readonly number[];
  readonly scenarios: readonly { readonly name: string; readonly crashed: string | null; readonly tables?: string | null }[];
}

/** `doc` with the text between the `name` markers replaced, or an error when they are missing. */
export function replaceBetween(doc: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from === -1 || to === -1 || to < from) throw new Error(`docs/benchmarks.md has no ${start} … ${end} markers`);
  return `${doc.slice(0, from + start.length)}\n${body.trim()}\n${doc.slice(to)}`;
}

function main(): void {
  const file = process.argv[2] ?? join(ROOT, 'bench', 'results', 'latest.json');
  const run = JSON.parse(readFileSync(file, 'utf8')) as RunJson;
  if (run.quick) throw new Error(`${file} is a quick run; its timings mean nothing`);
  const crashed = run.scenarios.filter((s) => s.crashed !== null).map((s) => s.name);
  if (crashed.length > 0) throw new Error(`${file} has crashed scenarios: ${crashed.join(', ')}`);
  let doc = readFileSync(DOC, 'utf8');
  const names = new Set(run.scenarios.map((s) => s.name));
  // The main table only when the run had every scenario of the table (a run with --only has some).
  if (['on-time', 'burst', 'throughput', 'schedule', 'memory', 'polling', 'http'].every((n) => names.has(n))) doc = replaceBetween(doc, 'bench-table', run.markdown);
  for (const scenario of run.scenarios) {
    if (typeof scenario.tables === 'string') doc = replaceBetween(doc, `${scenario.name}-table`, scenario.tables);
  }
  writeFileSync(DOC, doc);
  const end = run.loadAverageAtEnd === undefined ? '' : `, at the end ${run.loadAverageAtEnd.join(' ')}`;
  process.stdout.write(
    `Wrote the tables of ${file} (${run.machine.date}, commit ${run.machine.commit}, load average at the start ${run.machine.loadAverageAtStart.join(' ')}${end}) into docs/benchmarks.md; update the prose around them.\n`,
  );
}

main();
