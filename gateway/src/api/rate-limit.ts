import type { RequestHandler } from 'express';

import { clientIpOf, Problems, rateLimitKey } from '@secure-api/shared/http';

import type { LimitDecision, LimitName, RateLimits } from '../data/rate-limiters.js';
import type { GatewayEvents } from './security-events.js';

// Exact method and path, as the route table matches them: any other spelling is a 404 anyway.
const ROUTE_LIMITS = new Map<string, LimitName>([
  ['POST /api/v1/auth/login', 'login'],
  ['POST /api/v1/auth/login/2fa', 'login-2fa'],
  ['POST /api/v1/auth/register', 'register'],
  ['POST /api/v1/auth/refresh', 'refresh'],
]);

export const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export function rateLimitHeaders(decision: LimitDecision): Record<string, string> {
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(seconds(decision.msBeforeReset)),
  };
}

/**
 * The global per-client limit on every request that gets here, then the route's own limit on the
 * credential endpoints. The headers describe the route limit where there is one, else the global
 * one; a refusal describes the limit that refused, and is reported as a security event.
 */
export function rateLimit(limits: RateLimits, events: GatewayEvents): RequestHandler {
  return async (req, res, next) => {
    const key = rateLimitKey(clientIpOf(req));
    const route = ROUTE_LIMITS.get(`${req.method} ${req.path}`);
    const global = await limits.consume('global', key);
    const decision = global.allowed && route ? await limits.consume(route, key) : global;
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) {
      const retryAfter = seconds(decision.msBeforeReset);
      events.rateLimited(req, global.allowed && route ? route : 'global', retryAfter);
      throw Problems.tooManyRequests(retryAfter, headers);
    }
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    next();
  };
}
