import type { Request, RequestHandler, Response } from 'express';

import {
  AppError,
  authenticate,
  requirePermission,
  Problems,
  type AccessClaims,
  type Logger,
  type Permission,
  type RevocationStore,
  type TokenVerifier,
} from '@secure-api/shared';

import { KEY_REFUSED, type ApiKeyResolver } from '../data/api-key.resolver.js';
import type { RateLimits } from '../data/rate-limiters.js';
import { resolveRoute, type Access, type RouteRule } from '../domain/route-table.js';
import { rateLimitHeaders, seconds } from './rate-limit.js';

export interface AccessControlOptions {
  verifier: TokenVerifier<AccessClaims>;
  revocation: RevocationStore;
  /** X-API-Key support (DESIGN section 7); without it a key is simply not a credential. */
  apiKeys?: { resolver: ApiKeyResolver; limits: RateLimits; logger: Logger };
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
export function accessControl({
  verifier,
  revocation,
  apiKeys,
}: AccessControlOptions): RequestHandler[] {
  const authenticated = authenticate(verifier, { revocation });

  /** The minted token's claims, or undefined when it no longer verifies (revoked, expired). */
  const claimsOf = async (token: string): Promise<AccessClaims | undefined> => {
    try {
      const claims = await verifier.verify(token);
      return (await revocation.isRevoked(claims)) ? undefined : claims;
    } catch (error) {
      if (error instanceof AppError && error.status === 401) return undefined;
      throw error;
    }
  };

  /**
   * A key stands in for a bearer: resolved (cached) into a short token for its owner, limited per
   * key, logged with its id. A cached token that was revoked since (role change, deletion) is
   * dropped and the key resolved afresh once, so the key's reach follows its owner at once.
   */
  const authenticateKey = async (req: Request, res: Response, key: string): Promise<void> => {
    if (!apiKeys) throw Problems.unauthorized();
    let resolved = await apiKeys.resolver.resolve(key);
    let claims = await claimsOf(resolved.accessToken);
    if (!claims) {
      resolved = await apiKeys.resolver.resolve(key, { fresh: true });
      claims = await claimsOf(resolved.accessToken);
    }
    if (!claims) throw Problems.unauthorized(KEY_REFUSED);
    const decision = await apiKeys.limits.consume('api-key', resolved.keyId);
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) throw Problems.tooManyRequests(seconds(decision.msBeforeReset), headers);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    apiKeys.logger.info({ api_key_id: resolved.keyId, user_id: resolved.userId }, 'api key used');
    req.auth = claims;
    req.headers.authorization = `Bearer ${resolved.accessToken}`;
  };

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
        await authenticateKey(req, res, key);
        next();
        return;
      }
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
