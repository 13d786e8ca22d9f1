import { ErrorCode, isCallSchedulerError } from '@call-scheduler/core';

/**
 * The codes the HTTP adapter adds to core's `ErrorCode` values in a problem's `code` member.
 */
export const HttpErrorCode = {
  /** No such route, or no such call. */
  NOT_FOUND: 'NOT_FOUND',
  /** The route exists, but not with this method (see the `Allow` header). */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** The body is larger than the router's `bodyLimit`. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The body is not `application/json` (or has a charset other than UTF-8). */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** The body is not well-formed JSON (or not valid UTF-8). */
  MALFORMED_JSON: 'MALFORMED_JSON',
  /** `authorize` returned false. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** `authorize` threw. */
  FORBIDDEN: 'FORBIDDEN',
  /** Something went wrong on the server; the details went to `onError`. */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  /** The scheduler or its store cannot serve requests now. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
} as const;

/** One of the values of {@link HttpErrorCode}. */
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/** One problem with one field of a request, in a problem's `errors` member. */
export interface FieldProblem {
  /** Dotted path of the field (`to`, `window.mon.0.end`), prefixed by `query.` or `headers.` outside the body; empty for the whole body. */
  readonly path: string;
  /** What is wrong, for a person. */
  readonly message: string;
  /** The rule that failed (zod's issue code, such as `invalid_type`, or `custom`). */
  readonly rule: string;
}

/** An RFC 9457 problem details object as the router sends it (`application/problem+json`). */
export interface ProblemDetails {
  /** A URI that names the kind of problem: `urn:call-scheduler:problem:<code in kebab case>`. */
  readonly type: string;
  /** A short summary of the kind of problem (the same for every occurrence). */
  readonly title: string;
  /** The HTTP status code. */
  readonly status: number;
  /** What went wrong this time, for a person. */
  readonly detail: string;
  /** The request path this problem is about. */
  readonly instance: string;
  /** A stable code: a core `ErrorCode` or an {@link HttpErrorCode}. */
  readonly code: string;
  /** Per-field problems, for `INVALID_INPUT`. */
  readonly errors?: readonly FieldProblem[];
  /** For `INVALID_STATE`: the call's status when the request was refused. */
  readonly currentStatus?: string;
  /** The call the problem is about, when there is one. */
  readonly callId?: string;
}

/** The `type` URI of a problem with `code`. */
export function problemType(code: string): string {
  return `urn:call-scheduler:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

const TITLES: Readonly<Record<string, string>> = {
  [ErrorCode.INVALID_INPUT]: 'Invalid input',
  [ErrorCode.CALL_NOT_FOUND]: 'Call not found',
  [ErrorCode.INVALID_STATE]: 'The call is not in a state that allows this',
  [ErrorCode.IDEMPOTENCY_CONFLICT]: 'Idempotency key conflict',
  [ErrorCode.SCHEDULER_STOPPED]: 'The scheduler is stopped',
  [ErrorCode.NOT_SUPPORTED]: 'Not supported',
  [HttpErrorCode.NOT_FOUND]: 'Not found',
  [HttpErrorCode.METHOD_NOT_ALLOWED]: 'Method not allowed',
  [HttpErrorCode.PAYLOAD_TOO_LARGE]: 'Payload too large',
  [HttpErrorCode.UNSUPPORTED_MEDIA_TYPE]: 'Unsupported media type',
  [HttpErrorCode.MALFORMED_JSON]: 'Malformed JSON',
  [HttpErrorCode.UNAUTHORIZED]: 'Unauthorized',
  [HttpErrorCode.FORBIDDEN]: 'Forbidden',
  [HttpErrorCode.INTERNAL_ERROR]: 'Internal server error',
  [HttpErrorCode.SERVICE_UNAVAILABLE]: 'Service unavailable',
};

/** Options of {@link HttpProblem}. */
export interface HttpProblemOptions {
  /** Per-field problems. */
  readonly errors?: readonly FieldProblem[];
  /** Headers to send with the problem (e.g. `Allow` for 405). */
  readonly headers?: Readonly<Record<string, string>>;
  /** For `INVALID_STATE`: the call's current status. */
  readonly currentStatus?: string;
  /** The call concerned. */
  readonly callId?: string;
  /** The underlying error (never sent to the client). */
  readonly cause?: unknown;
}

/**
 * An error that the router turns into a problem response as it is: thrown by the router's own
 * parsing and routing, and usable in an `authorize` hook to answer with a chosen status.
 */
export class HttpProblem extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The problem's `code`. */
  readonly code: string;
  /** Per-field problems. */
  readonly errors: readonly FieldProblem[];
  /** Extra response headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** For `INVALID_STATE`. */
  readonly currentStatus: string | undefined;
  /** The call concerned. */
  readonly callId: string | undefined;

  constructor(status: number, code: string, detail: string, options: HttpProblemOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpProblem';
    this.status = status;
    this.code = code;
    this.errors = options.errors ?? [];
    this.headers = options.headers ?? {};
    this.currentStatus = options.currentStatus;
    this.callId = options.callId;
  }

  /** The problem details to send for a request to `instance`. */
  toProblem(instance: string): ProblemDetails {
    return {
      type: problemType(this.code),
      title: TITLES[this.code] ?? this.code,
      status: this.status,
      detail: this.message,
      instance,
      code: this.code,
      ...(this.errors.length > 0 ? { errors: this.errors } : {}),
      ...(this.currentStatus !== undefined ? { currentStatus: this.currentStatus } : {}),
      ...(this.callId !== undefined ? { callId: this.callId } : {}),
    };
  }
}

/** A 400 `INVALID_INPUT` problem listing `errors`. */
export function invalidInputProblem(errors: readonly FieldProblem[], what = 'request'): HttpProblem {
  const summary = errors
    .slice(0, 5)
    .map((e) => (e.path === '' ? e.message : `${e.path} ${e.message}`))
    .join('; ');
  return new HttpProblem(400, ErrorCode.INVALID_INPUT, `Invalid ${what}: ${summary}`, { errors });
}

const SERVER_SIDE_CODES = new Set<string>([
  ErrorCode.STORE_CLOSED,
  ErrorCode.STORE_ERROR,
  ErrorCode.STORE_INIT_FAILED,
  ErrorCode.STORE_SCHEMA_TOO_NEW,
]);

/**
 * Maps anything thrown while serving a request to an {@link HttpProblem}, and says whether it is
 * a server-side failure to report through `onError` (its details are then not sent).
 */
export function toHttpProblem(error: unknown): { problem: HttpProblem; report: boolean } {
  if (error instanceof HttpProblem) return { problem: error, report: error.status >= 500 };
  if (isCallSchedulerError(error)) {
    const callId = error.callId;
    const common = callId === undefined ? {} : { callId };
    switch (error.code) {
      case ErrorCode.INVALID_INPUT:
        return {
          problem: new HttpProblem(400, error.code, error.message, {
            ...common,
            errors: (error.issues ?? []).map((i) => ({ path: i.path, message: i.message, rule: i.rule })),
          }),
          report: false,
        };
      case ErrorCode.CALL_NOT_FOUND:
        return { problem: new HttpProblem(404, error.code, error.message, common), report: false };
      case ErrorCode.INVALID_STATE:
        return {
          problem: new HttpProblem(409, error.code, error.message, {
            ...common,
            ...(error.currentStatus === undefined ? {} : { currentStatus: error.currentStatus }),
          }),
          report: false,
        };
      case ErrorCode.IDEMPOTENCY_CONFLICT:
        return { problem: new HttpProblem(409, error.code, error.message, common), report: false };
      case ErrorCode.NOT_SUPPORTED:
        return { problem: new HttpProblem(501, error.code, error.message, common), report: false };
      case ErrorCode.SCHEDULER_STOPPED:
        return { problem: new HttpProblem(503, error.code, 'The scheduler is stopped', common), report: false };
      default:
        if (SERVER_SIDE_CODES.has(error.code)) {
          return {
            problem: new HttpProblem(503, HttpErrorCode.SERVICE_UNAVAILABLE, 'The call store is not available', { cause: error }),
            report: true,
          };
        }
    }
  }
  return {
    problem: new HttpProblem(500, HttpErrorCode.INTERNAL_ERROR, 'The server could not handle the request', { cause: error }),
    report: true,
  };
}
