import type { RequestHandler } from 'express';

import { clientIpOf, Problems, rateLimitKey } from '@secure-api/shared/http';

import type { LimitDecision, LimitName, RateLimits } from '../data/rate-limiters.js';
import { keepRevocationValues, revocationKeysAhead } from './revocation-lookup.js';
import { routeMatchOf } from './route-match.js';
import type { GatewayEvents } from './security-events.js';

export const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export function rateLimitHeaders(decision: LimitDecision): Record<string, string> {
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(seconds(decision.msBeforeReset)),
  };
}

/**
 * The global per-client limit on every request that gets here, then the route's own limit where
 * its route-table entry names one (the credential endpoints). The headers describe the route limit
 * where there is one, else the global one; a refusal describes the limit that refused, and is
 * reported as a security event. The same round trip to Redis reads the revocation marks of the
 * bearer a protected route will verify next (one round trip per authenticated request).
 */
export function rateLimit(limits: RateLimits, events: GatewayEvents): RequestHandler {
  return async (req, res, next) => {
    const key = rateLimitKey(clientIpOf(req));
    const match = routeMatchOf(req);
    const names: LimitName[] =
      match.kind === 'route' && match.rule.limit ? ['global', match.rule.limit] : ['global'];
    const { decisions, values } = await limits.admit(names, key, revocationKeysAhead(req, match));
    const decision = decisions.at(-1);
    if (!decision) throw Problems.unavailable();
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) {
      const retryAfter = seconds(decision.msBeforeReset);
      events.rateLimited(req, decision.name, retryAfter);
      throw Problems.tooManyRequests(retryAfter, headers);
    }
    if (values) keepRevocationValues(req, values);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    next();
  };
}
