// The registry this project installs from does not carry every platform build of rollup (only
// linux x64/arm64 gnu). `npm install` then writes a lockfile without the other platforms' optional
// packages, and `npm ci` refuses it as out of sync. This script adds lock entries for the missing
// platform packages, marked optional with their os/cpu/libc, so `npm ci` accepts the lockfile and
// skips them on this platform exactly as it would with a full registry.
//
//   node scripts/lockfile-optional-platforms.mjs   (after any `npm install` that rewrites the lockfile)
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;

function platformOf(name) {
  const m = /^@rollup\/rollup-([a-z0-9]+)-([a-z0-9]+)(?:-([a-z]+))?$/.exec(name);
  if (!m) return null;
  const [, os, cpu, abi] = m;
  const entry = { os: [os === 'win32' ? 'win32' : os], cpu: [cpu === 'arm' ? 'arm' : cpu] };
  if (abi === 'gnu' || abi === 'gnueabihf') entry.libc = ['glibc'];
  if (abi === 'musl' || abi === 'musleabihf') entry.libc = ['musl'];
  return entry;
}

let added = 0;
for (const [path, meta] of Object.entries(packages)) {
  if (!meta.optionalDependencies) continue;
  const base = path === '' ? '' : `${path}/`;
  for (const [dep, version] of Object.entries(meta.optionalDependencies)) {
    const platform = platformOf(dep);
    if (platform === null) continue;
    const nested = `${base}node_modules/${dep}`;
    const hoisted = `node_modules/${dep}`;
    if (packages[nested] || packages[hoisted]) continue;
    packages[hoisted] = { version, ...platform, optional: true };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lockfile: added ${added} optional platform entries`);
