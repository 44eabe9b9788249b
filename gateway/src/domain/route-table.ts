import type { UpstreamName } from '../config.js';

export interface RouteEntry {
  pattern: RegExp;
  upstream: UpstreamName;
}

const ID = '[0-9a-fA-F-]{1,64}';

/**
 * The public surface, DESIGN section 3, and the service that owns each path. Anything not here
 * (including every `/internal/*` and `/metrics` path) is a 404 at the gateway.
 * Order matters: the first match wins.
 */
export const ROUTE_TABLE: RouteEntry[] = [
  { pattern: /^\/\.well-known\/jwks\.json$/, upstream: 'auth' },
  { pattern: /^\/api\/v1\/auth(?:\/|$)/, upstream: 'auth' },
  { pattern: /^\/api\/v1\/users\/me\/change-password$/, upstream: 'auth' },
  { pattern: /^\/api\/v1\/users(?:\/|$)/, upstream: 'users' },
  { pattern: /^\/api\/v1\/admin\/config$/, upstream: 'auth' },
  { pattern: new RegExp(`^/api/v1/admin/users/${ID}/(unlock|sessions)$`), upstream: 'auth' },
  { pattern: /^\/api\/v1\/admin\/stats$/, upstream: 'audit' },
  { pattern: /^\/api\/v1\/admin\/audit(\/verify)?$/, upstream: 'audit' },
];

// Characters RFC 3986 allows in a path, with dot-segments and encoded separators refused, so the
// path the gateway matched is exactly the path the upstream routes.
const SAFE_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;
const AMBIGUOUS = /(^|\/)\.{1,2}(\/|$)|%2e|%2f|%5c|%00|\/\//i;

export function resolveUpstream(path: string): UpstreamName | undefined {
  if (!SAFE_PATH.test(path) || AMBIGUOUS.test(path)) return undefined;
  return ROUTE_TABLE.find((entry) => entry.pattern.test(path))?.upstream;
}
