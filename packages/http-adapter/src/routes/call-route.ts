import { idempotencyKeySchema } from '@call-scheduler/core';
import type { z } from 'zod';
import type { RouteContext } from './route-context.js';

/** The HTTP methods the router's routes use. */
export type CallRouteMethod = 'GET' | 'POST' | 'PATCH';

/** One documented response of a route. */
export interface CallRouteResponse {
  /** What it means. */
  readonly description: string;
  /** The body's schema (registered, so that it becomes a `$ref`). */
  readonly schema?: z.ZodType;
  /** The body's media type. @default 'application/json' */
  readonly contentType?: string;
  /** Response headers worth documenting. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One documented request header of a route. */
export interface CallRouteHeader {
  /** Header name. */
  readonly name: string;
  /** What it does. */
  readonly description: string;
  /** Its schema. */
  readonly schema: z.ZodType;
}

/** One route of the router: how it is matched, documented and served. */
export interface CallRoute {
  /** The method. */
  readonly method: CallRouteMethod;
  /** The path relative to the router, OpenAPI style: `/calls/{id}`. */
  readonly path: string;
  /** The OpenAPI operation id. */
  readonly operationId: string;
  /** One line. */
  readonly summary: string;
  /** More words. */
  readonly description?: string;
  /** OpenAPI tags. */
  readonly tags: readonly string[];
  /** Path parameters and their schemas. */
  readonly params?: Readonly<Record<string, z.ZodType>>;
  /** The query's schema (a zod object). */
  readonly query?: z.ZodObject;
  /** Query parameters that may repeat; their values are joined with commas. */
  readonly repeatableQuery?: readonly string[];
  /** Documented request headers. */
  readonly headers?: readonly CallRouteHeader[];
  /** The request body. */
  readonly body?: { readonly schema: z.ZodType; readonly required: boolean; readonly contentTypes?: readonly string[] };
  /** Success responses by status. */
  readonly responses: Readonly<Record<number, CallRouteResponse>>;
  /** Error statuses this route can answer (problem+json). */
  readonly problems: readonly number[];
  /** Serves the route. */
  readonly handle: (ctx: RouteContext) => Promise<void>;
}

/** What `router.routes` lists about a route. */
export interface CallRouteInfo {
  /** The method. */
  readonly method: CallRouteMethod;
  /** The path relative to the router, OpenAPI style: `/calls/{id}`. */
  readonly path: string;
  /** The OpenAPI operation id. */
  readonly operationId: string;
}

/**
 * The `Idempotency-Key` header and the answers of a route that schedules a `thing` (`call`,
 * `series`) idempotently: 201 with the new one and its `Location`, 200 with the one first
 * scheduled with the same key.
 */
export function idempotentScheduling(thing: string, schema: z.ZodType): Pick<CallRoute, 'headers' | 'responses'> {
  return {
    headers: [{ name: 'Idempotency-Key', description: 'De-duplicates scheduling (1 to 255 printable ASCII characters).', schema: idempotencyKeySchema }],
    responses: {
      201: { description: `The new ${thing}.`, schema, headers: { Location: `The URL of the new ${thing}.` } },
      200: { description: `The ${thing} first scheduled with this idempotency key.`, schema },
    },
  };
}
