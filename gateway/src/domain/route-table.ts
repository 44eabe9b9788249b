import type { Permission } from '@secure-api/shared/auth';

import type { UpstreamName } from '../config.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call a route: anyone (`public`); anyone, but a bearer sent without the refresh cookie
 * must be valid (`optional`); any valid access token (`authenticated`); or a token whose role has
 * the permission.
 */
export type Access = 'public' | 'optional' | 'authenticated' | Permission;

/** A credential endpoint's own limit, counted on top of the global per-client one. */
export type RouteLimit =
  'login' | 'login-2fa' | 'register' | 'refresh' | 'password-forgot' | 'account-link';

export interface RouteRule {
  readonly upstream: UpstreamName;
  readonly access: Access;
  readonly limit?: RouteLimit;
}

type Methods = Readonly<Partial<Record<HttpMethod, RouteRule>>>;

const rule =
  (upstream: UpstreamName) =>
  (access: Access, limit?: RouteLimit): RouteRule =>
    Object.freeze(limit ? { upstream, access, limit } : { upstream, access });
const authService = rule('auth');
const userService = rule('users');
const auditService = rule('audit');

/** `template` as written (`/api/v1/users/{id}`): what logs and events name, never a path. */
function route<const T extends string, const M extends Methods>(template: T, methods: M) {
  return Object.freeze({ template, methods: Object.freeze(methods) });
}

/**
 * The public surface: per path and method, the owning service, who may call it and the route's
 * own rate limit. The gateway refuses what the owner would refuse; the owner checks again.
 * Anything not here (every `/internal/*` and `/metrics` path included) is a 404 at the gateway.
 * The OpenAPI document (scripts/openapi) documents exactly these routes, keyed by `RouteKey`.
 */
export const ROUTE_TABLE = Object.freeze([
  route('/.well-known/jwks.json', { GET: authService('public') }),
  route('/api/v1/auth/register', { POST: authService('public', 'register') }),
  route('/api/v1/auth/login', { POST: authService('public', 'login') }),
  route('/api/v1/auth/login/2fa', { POST: authService('public', 'login-2fa') }),
  route('/api/v1/auth/refresh', { POST: authService('public', 'refresh') }),
  route('/api/v1/auth/logout', { POST: authService('optional') }),
  // Account recovery: the mailed link is the credential, so these are public but limited per IP.
  route('/api/v1/auth/password/forgot', { POST: authService('public', 'password-forgot') }),
  route('/api/v1/auth/password/reset', { POST: authService('public', 'account-link') }),
  route('/api/v1/auth/email/verify', { POST: authService('public', 'account-link') }),
  route('/api/v1/auth/email/verify/resend', {
    POST: authService('authenticated', 'account-link'),
  }),
  route('/api/v1/auth/email/change/cancel', { POST: authService('public', 'account-link') }),
  route('/api/v1/auth/logout-all', { POST: authService('authenticated') }),
  route('/api/v1/auth/sessions', { GET: authService('authenticated') }),
  route('/api/v1/auth/sessions/{id}', { DELETE: authService('authenticated') }),
  route('/api/v1/auth/2fa/setup', { POST: authService('authenticated') }),
  route('/api/v1/auth/2fa/verify', { POST: authService('authenticated') }),
  route('/api/v1/auth/2fa/disable', { POST: authService('authenticated') }),
  route('/api/v1/auth/2fa/backup-codes', { POST: authService('authenticated') }),
  route('/api/v1/auth/api-keys', {
    GET: authService('authenticated'),
    POST: authService('authenticated'),
    DELETE: authService('authenticated'),
  }),
  route('/api/v1/auth/api-keys/{keyId}', { DELETE: authService('authenticated') }),
  route('/api/v1/auth/api-keys/{keyId}/rotate', { POST: authService('authenticated') }),
  route('/api/v1/users/me/change-password', { POST: authService('authenticated') }),
  route('/api/v1/users/me', { GET: userService('self:read'), PUT: userService('self:write') }),
  route('/api/v1/users/me/settings', {
    GET: userService('self:read'),
    PUT: userService('self:write'),
  }),
  // Creating an account sets a password, so auth-service owns it; listing is the user-service's.
  route('/api/v1/users', { GET: userService('users:read'), POST: authService('users:write') }),
  route('/api/v1/users/{id}', {
    GET: userService('users:read'),
    DELETE: userService('users:delete'),
  }),
  route('/api/v1/users/{id}/role', { PATCH: userService('admin:write') }),
  route('/api/v1/users/{id}/status', { PATCH: userService('users:write') }),
  route('/api/v1/admin/stats', { GET: auditService('admin:read') }),
  route('/api/v1/admin/config', {
    GET: authService('admin:read'),
    PUT: authService('admin:write'),
  }),
  route('/api/v1/admin/users/{id}/unlock', { POST: authService('admin:write') }),
  route('/api/v1/admin/users/{id}/password-reset', { POST: authService('admin:write') }),
  route('/api/v1/admin/users/{id}/sessions', { DELETE: authService('admin:write') }),
  route('/api/v1/admin/users/{id}/2fa', { DELETE: authService('admin:write') }),
  route('/api/v1/admin/audit', { GET: auditService('admin:read') }),
  route('/api/v1/admin/audit/verify', { GET: auditService('admin:read') }),
  route('/api/v1/admin/audit/verify/jobs', { POST: auditService('admin:write') }),
  route('/api/v1/admin/audit/verify/jobs/{id}', { GET: auditService('admin:read') }),
  route('/api/v1/admin/audit/checkpoints', { GET: auditService('admin:read') }),
  route('/api/v1/admin/audit/chain', { GET: auditService('admin:read') }),
]);

type KeysOf<E> = E extends { template: infer T extends string; methods: infer M }
  ? `${keyof M & HttpMethod} ${T}`
  : never;

/** `POST /api/v1/auth/login`: one method of one route of the table, as the compiler knows it. */
export type RouteKey = KeysOf<(typeof ROUTE_TABLE)[number]>;

export interface PublicRoute {
  readonly key: RouteKey;
  readonly method: HttpMethod;
  readonly template: string;
  readonly rule: RouteRule;
}

/** The table one method per row, in the order written. */
export const PUBLIC_ROUTES: readonly PublicRoute[] = Object.freeze(
  ROUTE_TABLE.flatMap(({ template, methods }) =>
    Object.entries(methods).map(([method, rule]) =>
      Object.freeze({
        key: `${method} ${template}` as RouteKey,
        method: method as HttpMethod,
        template,
        rule,
      }),
    ),
  ),
);

// User and session ids are UUIDs; an API key is addressed by its public id.
const PARAMETERS = new Map<string, RegExp>([
  ['{id}', /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/],
  ['{keyId}', /^[A-Za-z0-9-]{1,64}$/],
]);

interface CompiledRoute {
  pattern: string;
  segments: readonly string[];
  methods: ReadonlyMap<string, RouteRule>;
}

const COMPILED: readonly CompiledRoute[] = ROUTE_TABLE.map(({ template, methods }) => ({
  pattern: template,
  segments: template.split('/'),
  methods: new Map(Object.entries(methods)),
}));

// Characters RFC 3986 allows in a path, with dot-segments and encoded separators refused, so the
// path the gateway matched is exactly the path the upstream routes.
const SAFE_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;
const AMBIGUOUS = /(^|\/)\.{1,2}(\/|$)|%2e|%2f|%5c|%00|\/\//i;

function matches(entry: CompiledRoute, segments: readonly string[]): boolean {
  if (entry.segments.length !== segments.length) return false;
  return entry.segments.every((expected, i) => {
    const actual = segments.at(i) ?? '';
    return PARAMETERS.get(expected)?.test(actual) ?? expected === actual;
  });
}

export type RouteMatch =
  | { kind: 'route'; rule: RouteRule; pattern: string }
  | { kind: 'method-not-allowed'; allow: string[]; pattern: string }
  | { kind: 'unknown' };

export function resolveRoute(method: string, path: string): RouteMatch {
  if (!SAFE_PATH.test(path) || AMBIGUOUS.test(path)) return { kind: 'unknown' };
  const segments = path.split('/');
  const entry = COMPILED.find((candidate) => matches(candidate, segments));
  if (!entry) return { kind: 'unknown' };
  // HEAD is answered by the GET handler upstream, so it is allowed to whoever may GET.
  const rule = entry.methods.get(method === 'HEAD' ? 'GET' : method);
  if (rule) return { kind: 'route', rule, pattern: entry.pattern };
  const allow = [...entry.methods.keys()];
  return {
    kind: 'method-not-allowed',
    allow: allow.includes('GET') ? [...allow, 'HEAD'] : allow,
    pattern: entry.pattern,
  };
}
