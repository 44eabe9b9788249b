import type { RequestHandler } from 'express';

import { bearerToken, type ServiceClaims, type TokenVerifier } from '@secure-api/shared/auth';
import { Problems } from '@secure-api/shared/http';

/**
 * `/internal/*`: only a short-lived service token for this audience (auth-service signs them).
 * An access token, whoever's, is not one: its type and audience differ, so it gets the same 401.
 */
export function requireServiceToken(verifier: TokenVerifier<ServiceClaims>): RequestHandler {
  return async (req, _res, next) => {
    const token = bearerToken(req);
    if (!token) throw Problems.unauthorized();
    await verifier.verify(token);
    next();
  };
}
