import type { Request, RequestHandler } from 'express';

import {
  AppError,
  authenticate,
  requirePermission,
  type AccessClaims,
  type Permission,
  type RevocationStore,
  type TokenVerifier,
} from '@secure-api/shared';

import { resolveRoute, type Access, type RouteRule } from '../domain/route-table.js';

export interface AccessControlOptions {
  verifier: TokenVerifier<AccessClaims>;
  revocation: RevocationStore;
}

// The rule the access check was made against; the proxy forwards by this and nothing else.
const matchedRules = new WeakMap<Request, RouteRule>();

export function matchedRule(req: Request): RouteRule | undefined {
  return matchedRules.get(req);
}

function needsBearer(access: Access, req: Request): boolean {
  switch (access) {
    case 'public':
      return false;
    case 'optional':
      // Logout works from the refresh cookie alone, but a bearer that is sent must be valid.
      return req.headers.authorization !== undefined;
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
 */
export function accessControl({ verifier, revocation }: AccessControlOptions): RequestHandler[] {
  const authenticated = authenticate(verifier, { revocation });
  return [
    (req, _res, next) => {
      const match = resolveRoute(req.method, req.path);
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
      if (rule && needsBearer(rule.access, req)) {
        await authenticated(req, res, next);
        return;
      }
      next();
    },
    async (req, res, next) => {
      const permission = permissionOf(matchedRules.get(req)?.access ?? 'public');
      if (permission) {
        await requirePermission(permission)(req, res, next);
        return;
      }
      next();
    },
  ];
}
