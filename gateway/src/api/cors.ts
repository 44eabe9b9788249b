import cors from 'cors';
import type { RequestHandler } from 'express';

import { Problems } from '@secure-api/shared/http';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const ALLOWED_HEADERS = ['authorization', 'content-type', 'x-api-key', 'x-request-id'];
const EXPOSED_HEADERS = [
  'X-Request-ID',
  'X-Client-Request-ID',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Retry-After',
];

function preflightAllowed(
  requestedMethod: string | undefined,
  requestedHeaders: string | undefined,
) {
  if (!requestedMethod || !METHODS.includes(requestedMethod.toUpperCase())) return false;
  const headers = (requestedHeaders ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h.length > 0);
  return headers.every((h) => ALLOWED_HEADERS.includes(h));
}

/**
 * Explicit allowlist with credentials. A disallowed origin gets no CORS headers at all; a preflight
 * asking for a method or header outside the policy is refused rather than half-answered.
 */
export function corsPolicy(origins: string[]): RequestHandler[] {
  const allowed = new Set(origins);
  return [
    (req, _res, next) => {
      const origin = req.headers.origin;
      if (req.method !== 'OPTIONS' || origin === undefined) {
        next();
        return;
      }
      const ok =
        allowed.has(origin) &&
        preflightAllowed(
          req.headers['access-control-request-method'],
          req.headers['access-control-request-headers'],
        );
      next(ok ? undefined : Problems.forbidden('CORS preflight not allowed'));
    },
    cors({
      origin: (origin, callback) => {
        callback(null, origin !== undefined && allowed.has(origin));
      },
      credentials: true,
      methods: METHODS,
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
      optionsSuccessStatus: 204,
    }),
  ];
}
