import type { ServerResponse } from 'node:http';
import type { HttpProblem } from './problem.js';

/** Sends `body` as JSON with `status`; `Cache-Control: no-store` unless `headers` says otherwise. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
  contentType = 'application/json; charset=utf-8',
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end(text);
}

/** Sends `problem` as `application/problem+json` (RFC 9457). */
export function sendProblem(res: ServerResponse, problem: HttpProblem, instance: string): void {
  sendJson(res, problem.status, problem.toProblem(instance), problem.headers, 'application/problem+json; charset=utf-8');
}

/** Sends an empty answer. */
export function sendEmpty(res: ServerResponse, status: number, headers: Readonly<Record<string, string>> = {}): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end();
}
