import type { Request, RequestHandler } from 'express';

import { normaliseIp, TrustedProxies, type Cidr } from '../domain/client-ip.js';

const clientIps = new WeakMap<Request, string>();

/** The client address the limits and the upstreams see (set by `resolveClientIp`). */
export function clientIpOf(req: Request): string {
  const peer = req.socket.remoteAddress ?? '';
  return clientIps.get(req) ?? normaliseIp(peer) ?? peer;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Decides who the client is before the forwarding headers are stripped: the socket peer, or, when
 * that peer is a trusted proxy, the address the proxies recorded (DESIGN section 8).
 */
export function resolveClientIp(trustedProxies: readonly Cidr[]): RequestHandler {
  const trusted = new TrustedProxies(trustedProxies);
  return (req, _res, next) => {
    clientIps.set(
      req,
      trusted.clientIp(req.socket.remoteAddress ?? '', {
        xForwardedFor: single(req.headers['x-forwarded-for']),
        forwarded: single(req.headers.forwarded),
      }),
    );
    next();
  };
}
