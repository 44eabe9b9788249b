import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';

import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=()';

type HeaderValue = string | number | readonly string[];

function helmetHandlers(): RequestHandler[] {
  return [
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      },
      strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
      xPoweredBy: false,
    }),
    (_req, res, next) => {
      res.setHeader('Permissions-Policy', PERMISSIONS_POLICY);
      res.setHeader('Cache-Control', 'no-store');
      next();
    },
  ];
}

/**
 * helmet's headers and ours, taken once: with these options they never depend on the request, so
 * each response gets the recorded list instead of helmet's dozen handlers running again. Should a
 * helmet upgrade make them depend on the request (remove a header, skip `next`), start-up fails.
 */
function recordHeaders(handlers: RequestHandler[]): [string, HeaderValue][] {
  const recorded: [string, HeaderValue][] = [];
  const recorder = {
    setHeader: (name: string, value: HeaderValue) => {
      recorded.push([name, value]);
    },
    removeHeader: () => {
      throw new Error('security headers changed shape: they now remove a header');
    },
  } as unknown as Response;
  const nobody = new IncomingMessage(new Socket()) as Request;
  let passed = 0;
  for (const handler of handlers) {
    void handler(nobody, recorder, () => {
      passed += 1;
    });
  }
  if (passed !== handlers.length) {
    throw new Error('security headers changed shape: a handler did not call next');
  }
  return recorded;
}

/** The edge's security headers; `no-store` because every answer here is per-user or operational. */
export function securityHeaders(): RequestHandler {
  const headers = recordHeaders(helmetHandlers());
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/** Names of the headers the gateway owns; an upstream's copy of them is dropped. */
export const GATEWAY_OWNED_HEADERS = [
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
  'permissions-policy',
  'cache-control',
  'server',
  'x-powered-by',
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-expose-headers',
];
