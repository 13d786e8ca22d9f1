import { CallScheduler } from '@call-scheduler/core';
import { HttpCallProvider } from '@call-scheduler/core/http';
import { apiKeyAuthorizer, createCallRouter } from '@call-scheduler/http-adapter';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import express from 'express';

const scheduler = new CallScheduler({
  store: new SqliteStore({ filename: './data/calls.db' }),
  provider: new HttpCallProvider({ baseUrl: process.env.CALL_API_URL ?? 'http://localhost:5000' }),
});

const hasKey = apiKeyAuthorizer(process.env.API_KEY ?? 'change-me'); // 401 without the right `x-api-key` header
const app = express();
app.use(
  '/api',
  createCallRouter({
    scheduler,
    // Provider pushes are checked by their signature instead of the key.
    authorize: (req, { operationId }) => operationId === 'receiveProviderStatus' || hasKey(req),
    // POST /api/webhooks/call-status: Twilio's signed pushes feed the same status machine
    webhook: { twilio: { authToken: process.env.TWILIO_AUTH_TOKEN ?? 'change-me', publicOrigin: 'https://calls.example.com' } },
    cors: { origin: ['https://app.example.com'] },
  }),
);

await scheduler.start();
const server = app.listen(3000, () => console.log('API on http://localhost:3000/api (OpenAPI at /api/openapi.json)'));

process.once('SIGTERM', () => {
  server.close();
  void scheduler.stop().then(() => scheduler.store.close?.());
});
