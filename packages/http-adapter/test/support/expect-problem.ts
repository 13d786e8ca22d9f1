import { expect } from 'vitest';
import { problemSchema } from '../../src/index.js';
import type { Json } from './harness.js';

/** Asserts an RFC 9457 problem answer with `status` and `code`, and returns its body. */
export function expectProblem(
  response: { status: number; headers: Headers; body: Json; text: string },
  status: number,
  code: string,
): Json {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const parsed = problemSchema.safeParse(response.body);
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  expect(response.body.status).toBe(status);
  expect(response.body.code).toBe(code);
  expect(response.body.type).toBe(`urn:call-scheduler:problem:${code.toLowerCase().replace(/_/g, '-')}`);
  expect(response.text).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
  return response.body;
}
