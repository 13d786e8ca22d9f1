import { buildRouteTable } from '../routes/route-table.js';
import { openApiDocumentOf, type OpenApiDocument, type OpenApiInfo } from './openapi-document.js';

/** Options of {@link buildOpenApiDocument}. */
export interface BuildOpenApiDocumentOptions {
  /** Include `POST /webhooks/call-status` (as a router with the `webhook` option does). @default false */
  readonly webhook?: boolean;
  /** Include `POST /calls/purge` (as a router with an `authorize` hook or `purge.unprotected` does). @default false */
  readonly purge?: boolean;
  /** Include the recurring-call routes under `/series` (as a router whose scheduler has series does). @default true */
  readonly series?: boolean;
  /** The document's `info`. */
  readonly info?: OpenApiInfo;
  /** The document's server URL, e.g. `https://calls.example.com/api`. @default '/' */
  readonly serverUrl?: string;
}

/**
 * The OpenAPI 3.1 document of the router's API, without a router or a scheduler: for generating
 * clients or publishing the API description at build time. A router serves the same document at
 * `GET /openapi.json` (with `servers` set to where it is mounted).
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * writeFileSync('openapi.json', JSON.stringify(buildOpenApiDocument({ serverUrl: '/api' }), null, 2));
 * ```
 */
export function buildOpenApiDocument(options: BuildOpenApiDocumentOptions = {}): OpenApiDocument {
  const document = openApiDocumentOf(buildRouteTable({ webhook: options.webhook === true, purge: options.purge === true, series: options.series !== false }), options.info);
  return { ...document, servers: [{ url: options.serverUrl ?? '/' }] };
}
