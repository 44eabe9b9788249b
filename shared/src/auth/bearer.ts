import type { Request, RequestHandler } from 'express';

import { AppError, Problems } from '../http/app-error.js';
import { hasPermission, type Permission } from './rbac.js';
import type { RevocationStore } from './revocation-store.js';
import type { AccessClaims } from './token-claims.js';
import type { TokenVerifier } from './token-verifier.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Verified access-token claims; set only by `authenticate`. */
    auth?: AccessClaims;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;

/** The compact JWT from `Authorization: Bearer ...`, or undefined when absent or not a JWT shape. */
export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  return BEARER.exec(header.trim())?.[1];
}

/** What `authenticate` asks about every token it admits (a RevocationStore in every service). */
export type RevocationCheck = Pick<RevocationStore, 'isRevoked'>;

export interface AuthenticateOptions {
  /**
   * Account management (sessions, 2FA, API keys, password) needs the person, not a key: a token
   * minted for an API key is refused (403) whatever its scopes.
   */
  interactiveOnly?: boolean;
}

/**
 * The bearer's claims when one is sent, valid and not revoked; undefined for none and for every
 * bearer `authenticate` would refuse, where such a bearer must not decide the answer (logout with
 * the refresh cookie). An outage of the key set or of Redis is still a 503.
 */
export async function optionalClaims(
  req: Request,
  verifier: TokenVerifier<AccessClaims>,
  revocation: RevocationCheck,
): Promise<AccessClaims | undefined> {
  const token = bearerToken(req);
  if (!token) return undefined;
  let claims: AccessClaims;
  try {
    claims = await verifier.verify(token);
  } catch (error) {
    if (error instanceof AppError && error.status === 401) return undefined;
    throw error;
  }
  return (await revocation.isRevoked(claims)) ? undefined : claims;
}

/**
 * Any missing, malformed, forged, expired or revoked token: the same 401. Revocation is a required
 * argument, not an option: every service is reachable without the gateway (from inside the
 * cluster), so each one that accepts a bearer asks Redis itself, and Redis down is a 503.
 */
export function authenticate(
  verifier: TokenVerifier<AccessClaims>,
  revocation: RevocationCheck,
  options: AuthenticateOptions = {},
): RequestHandler {
  return async (req, _res, next) => {
    const claims = await optionalClaims(req, verifier, revocation);
    if (!claims) throw Problems.unauthorized();
    if (options.interactiveOnly && claims.scope !== undefined) {
      throw Problems.forbidden('Not available to API keys');
    }
    req.auth = claims;
    next();
  };
}

/** The role grants it and, for an API-key token, the key's scopes include it. */
export function claimsAllow(
  claims: Pick<AccessClaims, 'role' | 'scope'>,
  permission: Permission,
): boolean {
  if (!hasPermission(claims.role, permission)) return false;
  return claims.scope === undefined || claims.scope.includes(permission);
}

export function requirePermission(permission: Permission): RequestHandler {
  return (req, _res, next) => {
    if (!req.auth) throw Problems.unauthorized();
    if (!claimsAllow(req.auth, permission)) throw Problems.forbidden();
    next();
  };
}

/** Claims of an authenticated request; only for handlers mounted behind `authenticate`. */
export function claimsOf(req: Request): AccessClaims {
  if (!req.auth) throw Problems.unauthorized();
  return req.auth;
}
