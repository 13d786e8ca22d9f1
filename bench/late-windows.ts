/**
 * What the process was doing while late dials waited: matches every dial at least `thresholdMs`
 * late (default 2) against the CPU profile of the same run, and sums the profile's samples taken
 * between that dial's due time and the dial. Made by the on-time case run with a profile:
 *
 *   node --conditions=@call-scheduler/source --import tsx bench/case.ts --scenario=on-time --case=scheduler-sqlite \
 *     --tmp=$(mktemp -d) --out=/tmp/on-time.json --param.count=5000 --param.profile=/tmp/on-time.cpuprofile
 *   node --conditions=@call-scheduler/source --import tsx bench/late-windows.ts /tmp/on-time.cpuprofile [thresholdMs]
 *
 * Read the sampled share first: samples covering much less than the windows' length mean the
 * process was off the CPU (or the profiler was); `idle` samples mean the event loop was waiting
 * for something other than the CPU.
 */
import { readFileSync } from 'node:fs';
import { summarizeCpuProfile, summaryText } from './lib/cpu-profile.js';

const [file, thresholdArg] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: bench/late-windows.ts <file.cpuprofile> [thresholdMs]\n');
  process.exit(2);
}
const thresholdMs = thresholdArg === undefined ? 2 : Number(thresholdArg);
/** [dial time in µs on the profile's clock, lateness in ms], as the on-time case writes them. */
const dials = JSON.parse(readFileSync(`${file}.dials.json`, 'utf8')) as [number, number][];
const windows = dials
  .filter(([, latenessMs]) => latenessMs >= thresholdMs)
  .map(([atUs, latenessMs]): [number, number] => [atUs - latenessMs * 1000, atUs])
  .sort((a, b) => a[0] - b[0]);
const inWindow = (atUs: number): boolean => {
  // Windows are few (the late dials): a linear scan is fine.
  for (const [from, to] of windows) if (atUs >= from && atUs <= to) return true;
  return false;
};
let covered = 0;
let end = Number.NEGATIVE_INFINITY;
for (const [from, to] of windows) {
  covered += Math.max(0, to - Math.max(from, end));
  end = Math.max(end, to);
}
const summary = summarizeCpuProfile(file, undefined, 25, inWindow);
process.stdout.write(
  `${windows.length} of ${dials.length} dials at least ${thresholdMs} ms late; their windows (due time to dial) cover ${(covered / 1000).toFixed(1)} ms, ` +
    `the profile sampled about ${summary.totalMs} ms of them (much less: the process was off the CPU, or the profiler was)\n`,
);
process.stdout.write(`\n${summaryText(summary, 'By area, in those windows')}\n`);
