import type { IncomingMessage } from 'node:http';

/** The parts of a request's URL the router works with. */
export interface RequestUrl {
  /** The raw path relative to where the router is mounted (still percent-encoded), without the query. */
  readonly path: string;
  /** The raw query string, without `?` (empty when none). */
  readonly query: string;
  /**
   * The path prefix in front of {@link RequestUrl.path} in the client's URL: the mount path set by
   * Express or Connect (`app.use('/api', router)`). Empty when the router is not mounted.
   */
  readonly mountPath: string;
  /** The path the client asked for (mount path included), for a problem's `instance`. */
  readonly fullPath: string;
}

/** Strips `http://host` from an absolute-form request target. */
function stripOrigin(target: string): string {
  if (target.startsWith('/')) return target;
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  if (match === null) return `/${target}`;
  const rest = target.slice(match[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

function splitTarget(target: string): { path: string; query: string } {
  const noHash = target.split('#', 1)[0] ?? '';
  const q = noHash.indexOf('?');
  return q === -1 ? { path: noHash, query: '' } : { path: noHash.slice(0, q), query: noHash.slice(q + 1) };
}

/**
 * Reads `req.url` (which Express and Connect rewrite relative to the mount path) and
 * `req.originalUrl` (which they keep) into a {@link RequestUrl}.
 */
export function readRequestUrl(req: IncomingMessage): RequestUrl {
  const { path, query } = splitTarget(stripOrigin(req.url ?? '/'));
  const original = (req as { originalUrl?: unknown }).originalUrl;
  let mountPath = '';
  let fullPath = path;
  if (typeof original === 'string') {
    const originalPath = splitTarget(stripOrigin(original)).path;
    fullPath = originalPath;
    if (originalPath !== path) {
      // Express strips the mount path, and turns `/api` into `/` (path "/" mounted at "/api").
      if (path === '/' && !originalPath.endsWith('/')) mountPath = originalPath;
      else if (originalPath.endsWith(path)) mountPath = originalPath.slice(0, originalPath.length - path.length);
    }
  }
  return { path: path === '' ? '/' : path, query, mountPath, fullPath: fullPath === '' ? '/' : fullPath };
}
