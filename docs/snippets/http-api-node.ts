import { createServer } from 'node:http';
import { createCallRouter } from '@call-scheduler/http-adapter';
import { createCalls } from './getting-started/calls.js';

const scheduler = createCalls({ dataFile: 'calls.db' }); // from the getting-started guide
await scheduler.start();
const router = createCallRouter({ scheduler, basePath: '/api' }); // no framework: a node:http listener
createServer(router).listen(3000);
console.log(`${router.routes.length} routes; OpenAPI ${router.openApiDocument().openapi} at http://localhost:3000/api/openapi.json`);
