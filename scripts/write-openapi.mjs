#!/usr/bin/env node
// Writes the OpenAPI 3.1 document of @call-scheduler/http-adapter's router (webhook and retention
// routes included) to the file given as the first argument, e.g. docs/reference/openapi.json.
// Run from the workspace, on the TypeScript sources:
//   node --conditions=@call-scheduler/source --import tsx scripts/write-openapi.mjs docs/reference/openapi.json
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CallScheduler } from '@call-scheduler/core';
import { FakeCallProvider, FakeClock } from '@call-scheduler/core/testing';
import { createCallRouter } from '@call-scheduler/http-adapter';
import { MemoryStore } from '@call-scheduler/store-memory';

const out = process.argv[2];
if (out === undefined) {
  console.error('usage: write-openapi.mjs <output file>');
  process.exit(2);
}
// The document depends on the routes and schemas only; this scheduler is never started and the
// router never serves a request, so the routes that need protection are enabled without it here.
const clock = new FakeClock();
const scheduler = new CallScheduler({ store: new MemoryStore(), provider: new FakeCallProvider({ clock }), clock });
const document = createCallRouter({ scheduler, webhook: { unsigned: true }, purge: { unprotected: true } }).openApiDocument();
mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
writeFileSync(out, `${JSON.stringify({ ...document, servers: [{ url: '/api' }] }, null, 2)}\n`);
console.log(`wrote ${out}: OpenAPI ${document.openapi}, ${Object.keys(document.paths ?? {}).length} paths`);
