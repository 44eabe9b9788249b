import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { z } from 'zod';

import { Problems } from '../http/app-error.js';
import {
  ACCESS_AUDIENCE,
  accessClaimsSchema,
  serviceClaimsSchema,
  TOKEN_ISSUER,
  type AccessClaims,
  type ServiceClaims,
} from './token-claims.js';

export interface TokenVerifier<C> {
  /** Resolves the claims, or throws the generic 401 ("Invalid or expired token"). */
  verify(token: string): Promise<C>;
}

/** jose's remote key set: fetched once, cached, refetched on an unknown `kid` (rate-limited). */
export function remoteKeySet(jwksUrl: string): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUrl), {
    cacheMaxAge: 10 * 60_000,
    cooldownDuration: 30_000,
    timeoutDuration: 3000,
  });
}

function keySetUnavailable(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout) return true;
  // A failed fetch (connection refused, DNS) is not a JOSE error at all, and a non-200 answer is
  // jose's generic error; every problem with the token itself has its own JOSE error class.
  if (!(error instanceof errors.JOSEError)) return true;
  return error.code === 'ERR_JOSE_GENERIC';
}

function verifierFor<S extends z.ZodType>(
  keys: JWTVerifyGetKey,
  audience: string,
  schema: S,
): TokenVerifier<z.output<S>> {
  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        // Pinned: EdDSA only (no `none`, no HS256 with a public key), our issuer and audience.
        ({ payload } = await jwtVerify(token, keys, {
          algorithms: ['EdDSA'],
          issuer: TOKEN_ISSUER,
          audience,
          requiredClaims: ['exp', 'iat', 'sub'],
          clockTolerance: 5,
        }));
      } catch (error) {
        // The key set could not be fetched: nobody can be verified, which is an outage (503),
        // not a verdict on this token. Every verdict on the token itself is the same 401.
        if (keySetUnavailable(error)) {
          throw Problems.unavailable('A security dependency is unavailable, retry shortly');
        }
        throw Problems.unauthorized();
      }
      const claims = schema.safeParse(payload);
      if (!claims.success) throw Problems.unauthorized();
      return claims.data;
    },
  };
}

export function accessTokenVerifier(keys: JWTVerifyGetKey): TokenVerifier<AccessClaims> {
  return verifierFor(keys, ACCESS_AUDIENCE, accessClaimsSchema);
}

export function serviceTokenVerifier(
  keys: JWTVerifyGetKey,
  audience: string,
): TokenVerifier<ServiceClaims> {
  return verifierFor(keys, audience, serviceClaimsSchema);
}
