import type { Request, RequestHandler } from 'express';

import { claimsAllow, requirePermission, type Permission } from '@secure-api/shared/auth';
import { AppError } from '@secure-api/shared/http';

import type { Access, RouteRule } from '../domain/route-table.js';
import { authenticators, type AuthenticatorOptions } from './authenticators.js';
import { routeMatchOf } from './route-match.js';

// Access control needs nothing beyond what its two authenticators need.
export type AccessControlOptions = AuthenticatorOptions;

// The rule the access check was made against; the proxy forwards by this and nothing else.
const matchedRules = new WeakMap<Request, RouteRule>();

export function matchedRule(req: Request): RouteRule | undefined {
  return matchedRules.get(req);
}

const REFRESH_COOKIE = /(?:^|;)\s*refresh_token=/;

function needsBearer(access: Access, req: Request): boolean {
  switch (access) {
    case 'public':
      return false;
    case 'optional':
      // Logout: a refresh cookie always ends its own session, whatever bearer comes with it (an
      // expired one must not keep the session alive), so auth-service judges that bearer. A bearer
      // sent without the cookie must be valid.
      return (
        req.headers.authorization !== undefined && !REFRESH_COOKIE.test(req.headers.cookie ?? '')
      );
    default:
      return true;
  }
}

function permissionOf(access: Access): Permission | undefined {
  switch (access) {
    case 'public':
    case 'optional':
    case 'authenticated':
      return undefined;
    default:
      return access;
  }
}

const methodNotAllowed = (allow: string[]) =>
  new AppError(405, 'method-not-allowed', 'The method is not allowed for this resource', {
    headers: { Allow: allow.join(', ') },
  });

/**
 * Refuses at the edge what the owning service would refuse (it checks again): unknown method on a
 * known path → 405; bad, expired or revoked bearer → 401; role without the permission → 403;
 * revocation store down → 503. Runs before the body is read, so anonymous callers of protected
 * routes never reach the parser. Paths outside the table pass through to /health or the 404.
 * Every refusal, and every request made with an API key, is also reported as a security event.
 */
export function accessControl(options: AccessControlOptions): RequestHandler[] {
  const { bearer, apiKey } = authenticators(options);
  const { events } = options;

  return [
    (req, _res, next) => {
      const match = routeMatchOf(req);
      switch (match.kind) {
        case 'unknown':
          next();
          return;
        case 'method-not-allowed':
          throw methodNotAllowed(match.allow);
        case 'route':
          matchedRules.set(req, match.rule);
          next();
          return;
      }
    },
    async (req, res, next) => {
      const rule = matchedRules.get(req);
      const key = req.headers['x-api-key'];
      // The key is a secret: it never travels past the gateway.
      Reflect.deleteProperty(req.headers, 'x-api-key');
      const keyed =
        typeof key === 'string' &&
        req.headers.authorization === undefined &&
        rule !== undefined &&
        rule.access !== 'public' &&
        rule.access !== 'optional';
      if (keyed) {
        await apiKey(req, res, key);
        next();
        return;
      }
      if (rule && needsBearer(rule.access, req)) {
        await bearer(req);
        next();
        return;
      }
      next();
    },
    async (req, res, next) => {
      const permission = permissionOf(matchedRules.get(req)?.access ?? 'public');
      if (permission) {
        if (req.auth && !claimsAllow(req.auth, permission)) {
          events.accessDenied(req, permission, req.auth);
        }
        await requirePermission(permission)(req, res, next);
        return;
      }
      next();
    },
  ];
}
