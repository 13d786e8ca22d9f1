/**
 * Prints where the time of a `.cpuprofile` went (by area, by function's own time, and by
 * inclusive time of our packages and kysely):
 *
 *   node --conditions=@call-scheduler/source --import tsx bench/profile-summary.ts bench/results/throughput-scheduler-sqlite-profile.cpuprofile [calls]
 *
 * With `calls`, every line also shows microseconds per call.
 */
import { summarizeCpuProfile, summaryText } from './lib/cpu-profile.js';

const [file, callsArg] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: bench/profile-summary.ts <file.cpuprofile> [calls]\n');
  process.exit(2);
}
const calls = callsArg === undefined ? undefined : Number(callsArg);
const summary = summarizeCpuProfile(file, calls, 30);
process.stdout.write(`${file}: ${summary.totalMs} ms sampled${calls === undefined ? '' : `, ${calls} calls`}\n\n${summaryText(summary)}\n`);
