import type { Request, Response } from 'express';

import {
  bearerToken,
  type AccessClaims,
  type RevocationStore,
  type TokenVerifier,
} from '@secure-api/shared/auth';
import { AppError, Problems } from '@secure-api/shared/http';
import type { Logger } from '@secure-api/shared/logging';

import {
  KEY_REFUSED,
  RevokedApiKey,
  type ApiKeyResolver,
  type ResolvedKey,
} from '../data/api-key.resolver.js';
import type { RateLimits } from '../data/rate-limiters.js';
import { expiredOrInvalid } from '../domain/token-rejection.js';
import { rateLimitHeaders, seconds } from './rate-limit.js';
import { revokedFromLookup } from './revocation-lookup.js';
import type { Caller, GatewayEvents, RejectionReason } from './security-events.js';

export interface AuthenticatorOptions {
  verifier: TokenVerifier<AccessClaims>;
  revocation: RevocationStore;
  /** X-API-Key support; without it a key is simply not a credential. */
  apiKeys?: { resolver: ApiKeyResolver; limits: RateLimits; logger: Logger };
  /** Refusals (401, 403, the per-key 429) and every keyed request are reported here. */
  events: GatewayEvents;
}

const isUnauthorized = (error: unknown) => error instanceof AppError && error.status === 401;

export interface Authenticators {
  /** Sets `req.auth` from a valid, unrevoked bearer, or throws the generic 401. */
  bearer: (req: Request) => Promise<void>;
  /** Sets `req.auth` and the Authorization header from an X-API-Key, or throws 401/429. */
  apiKey: (req: Request, res: Response, key: string) => Promise<void>;
}

/**
 * The gateway's two credentials. Every refusal is the same 401 the client always got, and is
 * reported as `gateway.token_rejected` with the reason it is not told; a key's every use is
 * reported as `gateway.apikey.used`.
 */
export function authenticators({
  verifier,
  revocation,
  apiKeys,
  events,
}: AuthenticatorOptions): Authenticators {
  /** The 401 every refused credential gets, reported with the reason the client is not told. */
  const rejected = (req: Request, reason: RejectionReason, caller?: Caller, detail?: string) => {
    events.tokenRejected(req, reason, caller);
    return Problems.unauthorized(detail);
  };

  /** shared's `authenticate` with revocation (the same checks, the same 401), knowing why. */
  const bearer = async (req: Request): Promise<void> => {
    const token = bearerToken(req);
    if (!token) {
      throw rejected(req, req.headers.authorization === undefined ? 'missing' : 'malformed');
    }
    let claims: AccessClaims;
    try {
      claims = await verifier.verify(token);
    } catch (error) {
      if (isUnauthorized(error)) throw rejected(req, expiredOrInvalid(token));
      throw error;
    }
    // Read ahead in the rate limit's round trip when it could be; else asked now.
    const revoked =
      revokedFromLookup(req, claims, revocation) ?? (await revocation.isRevoked(claims));
    if (revoked) throw rejected(req, 'revoked', { userId: claims.sub });
    req.auth = claims;
  };

  /** The minted token's claims, or undefined when it no longer verifies (revoked, expired). */
  const claimsOf = async (token: string): Promise<AccessClaims | undefined> => {
    try {
      const claims = await verifier.verify(token);
      return (await revocation.isRevoked(claims)) ? undefined : claims;
    } catch (error) {
      if (isUnauthorized(error)) return undefined;
      throw error;
    }
  };

  const resolveKey = async (
    req: Request,
    resolver: ApiKeyResolver,
    key: string,
    fresh = false,
  ): Promise<ResolvedKey> => {
    try {
      return await resolver.resolve(key, { fresh });
    } catch (error) {
      if (isUnauthorized(error)) {
        events.tokenRejected(
          req,
          error instanceof RevokedApiKey ? 'api_key_revoked' : 'api_key_invalid',
        );
      }
      throw error;
    }
  };

  /**
   * A key stands in for a bearer: resolved (cached) into a short token for its owner, limited per
   * key, logged with its id. A cached token that was revoked since (role change, deletion) is
   * dropped and the key resolved afresh once, so the key's reach follows its owner at once.
   */
  const apiKey = async (req: Request, res: Response, key: string): Promise<void> => {
    if (!apiKeys) throw rejected(req, 'api_key_invalid');
    let resolved = await resolveKey(req, apiKeys.resolver, key);
    let claims = await claimsOf(resolved.accessToken);
    if (!claims) {
      resolved = await resolveKey(req, apiKeys.resolver, key, true);
      claims = await claimsOf(resolved.accessToken);
    }
    const caller = { userId: resolved.userId, keyId: resolved.keyId };
    if (!claims) throw rejected(req, 'api_key_revoked', caller, KEY_REFUSED);
    events.apiKeyUsed(req, res, caller);
    const decision = await apiKeys.limits.consume('api-key', resolved.keyId);
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) {
      const retryAfter = seconds(decision.msBeforeReset);
      events.rateLimited(req, 'api-key', retryAfter, caller);
      throw Problems.tooManyRequests(retryAfter, headers);
    }
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    apiKeys.logger.info({ api_key_id: resolved.keyId, user_id: resolved.userId }, 'api key used');
    req.auth = claims;
    req.headers.authorization = `Bearer ${resolved.accessToken}`;
  };

  return { bearer, apiKey };
}
