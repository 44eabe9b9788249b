import { createHash } from 'node:crypto';

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
    cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
    cooldownDuration: 30_000,
    timeoutDuration: 3000,
  });
}

const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;

export interface VerifiedClaimsCacheOptions {
  /** Most tokens remembered at once; the least recently used one goes first (default 10,000). */
  maxEntries?: number;
  /**
   * An entry is dropped after this even if its token lives longer (default: the JWKS cache age,
   * 10 min), so a key withdrawn from the set stops being honoured no later than it does today.
   */
  maxAgeMs?: number;
  /** Tests only. */
  now?: () => number;
}

export interface VerifierOptions {
  /** Remember verified claims until the token's `exp`; `false` verifies every time. */
  cache?: VerifiedClaimsCacheOptions | false;
}

/**
 * Verified claims by SHA-256 of the whole compact token (signature included), so only the exact
 * bytes that verified can ever hit: a forged or altered token hashes elsewhere and is verified
 * in full. Only successes are stored; failures (401 and 503 alike) are never remembered.
 * Revocation is deliberately not part of this: the gateway asks Redis on every request.
 */
export class VerifiedClaimsCache<C> {
  private readonly entries = new Map<string, { claims: C; validUntil: number }>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(options: VerifiedClaimsCacheOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 10_000);
    this.maxAgeMs = options.maxAgeMs ?? JWKS_CACHE_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  static keyOf(token: string): string {
    return createHash('sha256').update(token).digest('base64url');
  }

  get(key: string): C | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (this.now() >= entry.validUntil) return undefined;
    // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
    this.entries.set(key, entry);
    return entry.claims;
  }

  /** `exp` in epoch seconds, as in the token. */
  set(key: string, claims: C, exp: number): void {
    const now = this.now();
    const validUntil = Math.min(exp * 1000, now + this.maxAgeMs);
    if (validUntil <= now) return;
    this.entries.delete(key);
    this.entries.set(key, { claims, validUntil });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }
}

function keySetUnavailable(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout) return true;
  // A failed fetch (connection refused, DNS) is not a JOSE error at all, and a non-200 answer is
  // jose's generic error; every problem with the token itself has its own JOSE error class.
  if (!(error instanceof errors.JOSEError)) return true;
  return error.code === 'ERR_JOSE_GENERIC';
}

/**
 * Each caller gets its own copy: a handler that changes its claims cannot change the next one's.
 * Claims are a zod-parsed JWT payload (plain objects, arrays, primitives), so a plain walk copies
 * them at a fraction of structuredClone's cost, which showed in every cached request's profile.
 */
function copyOf<C>(claims: C): C {
  if (Array.isArray(claims)) return claims.map(copyOf) as C;
  if (claims === null || typeof claims !== 'object') return claims;
  return Object.fromEntries(
    Object.entries(claims).map(([key, value]) => [key, copyOf(value)]),
  ) as C;
}

function verifierFor<S extends z.ZodType<{ exp: number }>>(
  keys: JWTVerifyGetKey,
  audience: string,
  schema: S,
  options: VerifierOptions,
): TokenVerifier<z.output<S>> {
  type C = z.output<S>;
  const cache = options.cache === false ? undefined : new VerifiedClaimsCache<C>(options.cache);

  const verifyFully = async (token: string): Promise<C> => {
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
  };

  return {
    async verify(token) {
      if (!cache) return verifyFully(token);
      const key = VerifiedClaimsCache.keyOf(token);
      const hit = cache.get(key);
      if (hit !== undefined) return copyOf(hit);
      const claims = await verifyFully(token);
      cache.set(key, copyOf(claims), claims.exp);
      return claims;
    },
  };
}

/**
 * Access tokens: EdDSA, our issuer, audience `secure-api`, type `access`. Verified claims are
 * cached until `exp` by default (one Ed25519 verification is ~0.2 ms of CPU, and the gateway and
 * the owning service each verify every request's token).
 */
export function accessTokenVerifier(
  keys: JWTVerifyGetKey,
  options: VerifierOptions = {},
): TokenVerifier<AccessClaims> {
  return verifierFor(keys, ACCESS_AUDIENCE, accessClaimsSchema, options);
}

export function serviceTokenVerifier(
  keys: JWTVerifyGetKey,
  audience: string,
  options: VerifierOptions = {},
): TokenVerifier<ServiceClaims> {
  return verifierFor(keys, audience, serviceClaimsSchema, options);
}
