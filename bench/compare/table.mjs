#!/usr/bin/env node
// One table from the result files of one or more compare.mjs runs (e.g. a run stopped part-way
// and a second run of the remaining cases):
//
//   node bench/compare/table.mjs results/a.json results/b.json [--noise=0.05]
//
// Figures are computed again from every recorded run with the readers in suite.mjs; runs of the
// same case in several files are pooled. The files must name the same base and head commits.
import { readFileSync } from 'node:fs';
import { figuresOf, loadSummary, markdownTable } from './report.mjs';
import { SUITE } from './suite.mjs';

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const noiseArg = process.argv.slice(2).find((a) => a.startsWith('--noise='));
const noise = noiseArg === undefined ? 0.05 : Number(noiseArg.slice('--noise='.length));
if (files.length === 0) throw new Error('usage: table.mjs <result.json>... [--noise=0.05]');

const records = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
const [first] = records;
for (const r of records) {
  if (r.base.commit !== first.base.commit || r.head.commit !== first.head.commit || r.code !== first.code) {
    throw new Error('the files measured different commits or bench code');
  }
}
const cases = [];
for (const record of records) {
  for (const entry of record.cases) {
    const spec = SUITE[entry.scenario]?.find((c) => c.id === entry.id);
    if (spec === undefined) throw new Error(`no ${entry.scenario}/${entry.id} in suite.mjs`);
    const pooled = cases.find((c) => c.scenario === entry.scenario && c.id === entry.id);
    if (pooled === undefined) cases.push({ scenario: entry.scenario, id: entry.id, spec, runs: [...entry.runs] });
    else pooled.runs.push(...entry.runs);
  }
}
for (const c of cases) c.figures = figuresOf(c, c.spec, noise);
const load = loadSummary(cases);
const runs = (side) => cases.reduce((n, c) => n + c.runs.filter((r) => r.side === side && r.result !== undefined).length, 0);
const failed = cases.reduce((n, c) => n + c.runs.filter((r) => r.error !== undefined).length, 0);
process.stdout.write(
  `Base ${first.base.commit}, head ${first.head.commit}, bench code of ${first.code}; Node ${first.node}, ${first.cores} cores\n` +
    `${runs('base')} base and ${runs('head')} head runs, ${failed} failed; load average (1 min) before each pair ${load.min}–${load.max}, median ${load.median}\n\n` +
    `${markdownTable(cases)}\n\n` +
    `Verdict: better/worse only when the runs of the two sides do not overlap and the medians differ by more than ${noise * 100}%.\n`,
);
