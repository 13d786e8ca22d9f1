import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '@call-scheduler/core';
import { HttpErrorCode, HttpProblem, invalidInputProblem } from './problem.js';

/** What {@link readJsonBody} found. */
export type JsonBody =
  | { readonly present: false }
  | {
      readonly present: true;
      /** The parsed body: JSON, or an object of strings for a form. */
      readonly value: unknown;
      /** How it was sent. */
      readonly kind: 'json' | 'form';
      /** The text exactly as sent, when known (for signature checks). */
      readonly raw: string | undefined;
    };

/** Options of {@link readJsonBody}. */
export interface ReadJsonBodyOptions {
  /** Largest accepted body in bytes. */
  readonly limit: number;
  /** Also accept `application/x-www-form-urlencoded` (parsed to an object of strings). */
  readonly allowForm?: boolean;
}

/** Deepest nesting of arrays and objects accepted in a body. */
export const MAX_JSON_DEPTH = 64;

interface MediaType {
  readonly type: string;
  readonly charset: string | undefined;
}

function parseMediaType(header: string | undefined): MediaType | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const [type = '', ...params] = header.split(';');
  let charset: string | undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq === -1) continue;
    if (param.slice(0, eq).trim().toLowerCase() === 'charset') {
      charset = param
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase();
    }
  }
  return { type: type.trim().toLowerCase(), charset };
}

function isJsonType(type: string): boolean {
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** Whether the request announces a body (a `Content-Length` above 0, or `Transfer-Encoding`). */
function announcesBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length.trim() !== '0';
}

function checkMediaType(req: IncomingMessage, allowForm: boolean): 'json' | 'form' {
  const media = parseMediaType(req.headers['content-type']);
  const expected = allowForm ? 'application/json or application/x-www-form-urlencoded' : 'application/json';
  if (media === undefined) {
    throw new HttpProblem(415, HttpErrorCode.UNSUPPORTED_MEDIA_TYPE, `The body needs a Content-Type of ${expected}`, {
      headers: { 'Accept-Post': 'application/json', 'Accept-Patch': 'application/json' },
    });
  }
  const kind = isJsonType(media.type) ? 'json' : allowForm && media.type === 'application/x-www-form-urlencoded' ? 'form' : undefined;
  if (kind === undefined) {
    throw new HttpProblem(415, HttpErrorCode.UNSUPPORTED_MEDIA_TYPE, `Content-Type ${media.type || '(empty)'} is not supported; send ${expected}`, {
      headers: { 'Accept-Post': 'application/json', 'Accept-Patch': 'application/json' },
    });
  }
  if (media.charset !== undefined && media.charset !== 'utf-8' && media.charset !== 'utf8') {
    throw new HttpProblem(415, HttpErrorCode.UNSUPPORTED_MEDIA_TYPE, `Charset ${media.charset} is not supported; send UTF-8`);
  }
  return kind;
}

function tooLarge(limit: number): HttpProblem {
  return new HttpProblem(413, HttpErrorCode.PAYLOAD_TOO_LARGE, `The body is larger than ${limit} bytes`, {
    headers: { Connection: 'close' },
  });
}

/** Reads the raw body, at most `limit` bytes: past that it stops reading and throws 413. */
function readRaw(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error: Error | undefined, value?: Buffer): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (error !== undefined) {
        // Stop reading: the answer carries `Connection: close`, and Node discards the rest.
        req.pause();
        reject(error);
      } else resolve(value ?? Buffer.alloc(0));
    };
    const onData = (chunk: Buffer | string): void => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > limit) {
        finish(tooLarge(limit));
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = (): void => finish(undefined, Buffer.concat(chunks, size));
    const onError = (error: Error): void =>
      finish(new HttpProblem(400, HttpErrorCode.MALFORMED_JSON, 'The request body could not be read', { cause: error }));
    const onClose = (): void => {
      if (!req.complete) finish(new HttpProblem(400, HttpErrorCode.MALFORMED_JSON, 'The request was aborted'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    req.resume();
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new HttpProblem(400, HttpErrorCode.MALFORMED_JSON, 'The body is not valid UTF-8');
  }
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? `: ${error.message.slice(0, 200)}` : '';
    throw new HttpProblem(400, HttpErrorCode.MALFORMED_JSON, `The body is not valid JSON${reason}`);
  }
}

function parseForm(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of new URLSearchParams(text)) out[name] = value;
  return { ...out };
}

/**
 * Refuses values nested deeper than {@link MAX_JSON_DEPTH} (they would exhaust the stack of a
 * recursive validator) and `__proto__` keys (which object spreading silently drops). Iterative.
 */
export function checkJsonShape(value: unknown): void {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: '' }];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === undefined || typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= MAX_JSON_DEPTH) {
      throw invalidInputProblem([{ path: item.path, message: `is nested deeper than ${MAX_JSON_DEPTH} levels`, rule: 'too_deep' }], 'body');
    }
    const join = (key: string | number): string => (item.path === '' ? String(key) : `${item.path}.${key}`);
    if (Array.isArray(item.value)) {
      item.value.forEach((child, index) => stack.push({ value: child, depth: item.depth + 1, path: join(index) }));
    } else {
      for (const key of Object.keys(item.value)) {
        if (key === '__proto__') {
          throw invalidInputProblem([{ path: join(key), message: 'is not an allowed key', rule: 'forbidden_key' }], 'body');
        }
        stack.push({ value: (item.value as Record<string, unknown>)[key], depth: item.depth + 1, path: join(key) });
      }
    }
  }
}

function fromText(text: string, kind: 'json' | 'form'): JsonBody {
  if (text.trim() === '') return { present: false };
  const value = kind === 'form' ? parseForm(text) : parseJsonText(text);
  checkJsonShape(value);
  return { present: true, value, kind, raw: text };
}

/** The bytes a body parser kept beside its result (`req.rawBody`, a common `verify` hook idiom). */
function keptRawBody(req: IncomingMessage): string | undefined {
  const raw = (req as IncomingMessage & { rawBody?: unknown }).rawBody;
  if (Buffer.isBuffer(raw)) return decode(raw);
  return typeof raw === 'string' ? raw : undefined;
}

/**
 * Reads and parses a JSON request body. When a body parser such as `express.json()` has already
 * consumed the stream, its `req.body` is used instead (a `Buffer` or string is parsed here).
 * Throws an {@link HttpProblem}: 415 for a body that is not JSON, 413 past `limit` (it stops
 * reading, nothing unbounded is buffered), 400 for malformed JSON.
 */
export async function readJsonBody(req: IncomingMessage, options: ReadJsonBodyOptions): Promise<JsonBody> {
  const parsed = req as IncomingMessage & { body?: unknown; _body?: unknown };
  const consumed = parsed._body === true || req.readableEnded;
  if (consumed) {
    const body = parsed.body;
    if (body === undefined || (!announcesBody(req) && isEmptyObject(body))) return { present: false };
    const kind = checkMediaType(req, options.allowForm === true);
    if (Buffer.isBuffer(body)) {
      if (body.length > options.limit) throw tooLarge(options.limit);
      return fromText(decode(body), kind);
    }
    if (typeof body === 'string') {
      if (Buffer.byteLength(body) > options.limit) throw tooLarge(options.limit);
      return fromText(body, kind);
    }
    checkJsonShape(body);
    return { present: true, value: body, kind, raw: keptRawBody(req) };
  }
  if (!announcesBody(req)) return { present: false };
  const kind = checkMediaType(req, options.allowForm === true);
  const length = Number(req.headers['content-length']);
  if (Number.isFinite(length) && length > options.limit) throw tooLarge(options.limit);
  const raw = await readRaw(req, options.limit);
  return fromText(decode(raw), kind);
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

/** The problem for a route that needs a body and got none. */
export function missingBodyProblem(): HttpProblem {
  return new HttpProblem(400, ErrorCode.INVALID_INPUT, 'A JSON body is required', {
    errors: [{ path: '', message: 'a JSON object body is required', rule: 'required' }],
  });
}
