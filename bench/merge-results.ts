/**
 * Puts the scenarios of a second run into a full run, replacing those of the same name: for a
 * scenario that crashed (or was changed) in a full run and was run again alone
 * (`npm run bench -- --only=<name>`). The main table is rebuilt from every scenario's figures, and
 * the result says which scenarios came from which run (`parts`): the docs must say it too.
 *
 *   node --conditions=@call-scheduler/source --import tsx bench/merge-results.ts <full.json> <part.json> [out.json]
 *
 * `out.json` defaults to `full.json`. Then `bench/write-docs.ts out.json` writes the tables.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { FIGURE_HEADER, figureRows, markdownTable } from './lib/table.js';
import type { Figure } from './lib/types.js';

interface Scenario {
  readonly name: string;
  readonly crashed: string | null;
  readonly figures: readonly Figure[];
}
interface Run {
  readonly quick: boolean;
  readonly machine: { readonly date: string; readonly commit: string };
  readonly scenarios: readonly Scenario[];
  readonly parts?: readonly { readonly date: string; readonly commit: string; readonly scenarios: readonly string[] }[];
  readonly [key: string]: unknown;
}

const [fullFile, partFile, outArg] = process.argv.slice(2);
if (fullFile === undefined || partFile === undefined) {
  process.stderr.write('usage: bench/merge-results.ts <full.json> <part.json> [out.json]\n');
  process.exit(2);
}
const full = JSON.parse(readFileSync(fullFile, 'utf8')) as Run;
const part = JSON.parse(readFileSync(partFile, 'utf8')) as Run;
if (full.quick || part.quick) throw new Error('quick runs are not merged: their timings mean nothing');
const replaced = new Map(part.scenarios.map((s) => [s.name, s]));
const missing = [...replaced.keys()].filter((name) => !full.scenarios.some((s) => s.name === name));
if (missing.length > 0) throw new Error(`${fullFile} has no scenario ${missing.join(', ')}`);
const scenarios = full.scenarios.map((s) => replaced.get(s.name) ?? s);
const earlier = full.parts ?? [{ date: full.machine.date, commit: full.machine.commit, scenarios: full.scenarios.map((s) => s.name) }];
const parts = [
  ...earlier.map((p) => ({ ...p, scenarios: p.scenarios.filter((n) => !replaced.has(n)) })).filter((p) => p.scenarios.length > 0),
  { date: part.machine.date, commit: part.machine.commit, scenarios: [...replaced.keys()] },
];
const merged = { ...full, scenarios, parts, markdown: markdownTable([...FIGURE_HEADER], figureRows(scenarios)) };
const out = outArg ?? fullFile;
writeFileSync(out, `${JSON.stringify(merged, null, 2)}\n`);
process.stdout.write(`Wrote ${out}: ${[...replaced.keys()].join(', ')} from ${partFile} (${part.machine.date}, commit ${part.machine.commit}), the rest from ${fullFile}\n`);
