import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
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

function verifierFor<S extends z.ZodType>(
  keys: JWTVerifyGetKey,
  audience: string,
  schema: S,
): TokenVerifier<z.output<S>> {
  return {
    async verify(token) {
      try {
        // Pinned: EdDSA only (no `none`, no HS256 with a public key), our issuer and audience.
        const { payload } = await jwtVerify(token, keys, {
          algorithms: ['EdDSA'],
          issuer: TOKEN_ISSUER,
          audience,
          requiredClaims: ['exp', 'iat', 'sub'],
          clockTolerance: 5,
        });
        const claims = schema.safeParse(payload);
        if (!claims.success) throw new Error('claims');
        return claims.data;
      } catch {
        throw Problems.unauthorized();
      }
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
