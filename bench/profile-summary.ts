/**
 * Prints where the time of a `.cpuprofile` went (by area, by function's own time, and by
 * inclusive time of our packages and kysely):
 *
 *   node --conditions=@call-scheduler/source --import tsx bench/profile-summary.ts bench/results/throughput-scheduler-sqlite-profile.cpuprofile [calls]
 *
 * With `calls`, every line also shows microseconds per call.
 */
import { summarizeCpuProfile, type ProfileEntry } from './lib/cpu-profile.js';

const [file, callsArg] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: bench/profile-summary.ts <file.cpuprofile> [calls]\n');
  process.exit(2);
}
const calls = callsArg === undefined ? undefined : Number(callsArg);
const summary = summarizeCpuProfile(file, calls, 30);
const line = (e: ProfileEntry): string =>
  `${e.ms.toFixed(0).padStart(8)} ms ${e.share.toFixed(1).padStart(5)}%${e.usPerCall === undefined ? '' : ` ${e.usPerCall.toFixed(1).padStart(7)} µs/call`}  ${e.name}`;
process.stdout.write(`${file}: ${summary.totalMs} ms sampled${calls === undefined ? '' : `, ${calls} calls`}\n`);
process.stdout.write(`\nBy area (own time):\n${summary.areas.map(line).join('\n')}\n`);
process.stdout.write(`\nFunctions by own time:\n${summary.topSelf.map(line).join('\n')}\n`);
process.stdout.write(`\nOur functions and kysely's by inclusive time:\n${summary.topInclusive.map(line).join('\n')}\n`);
