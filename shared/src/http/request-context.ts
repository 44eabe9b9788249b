import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

import type { Request, RequestHandler } from 'express';

import { normaliseIp, TrustedProxies, type Cidr } from './client-ip.js';

export interface RequestContext {
  requestId: string;
  /**
   * The client: the socket peer, or, when that peer is a trusted proxy (`TRUSTED_PROXIES`: in
   * front of the gateway, the TLS terminator; in front of a service, the gateway), the right-most
   * address of the forwarding chain that is not itself a trusted proxy.
   */
  clientIp?: string | undefined;
  userAgent?: string | undefined;
}

const storage = new AsyncLocalStorage<RequestContext>();

// Accept a caller's id only when it cannot smuggle anything into logs or headers.
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;

export function isSaneRequestId(value: unknown): value is string {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** The actor fields of a security event for the current request. */
export function currentActor(userId?: string): {
  user_id?: string;
  ip?: string;
  user_agent?: string;
} {
  const context = storage.getStore();
  return {
    ...(userId ? { user_id: userId } : {}),
    ...(context?.clientIp ? { ip: context.clientIp } : {}),
    ...(context?.userAgent ? { user_agent: context.userAgent } : {}),
  };
}

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

const clientIps = new WeakMap<Request, string>();

/** The client address `requestContext` decided on for this request. */
export function clientIpOf(req: Request): string {
  const peer = req.socket.remoteAddress ?? '';
  return clientIps.get(req) ?? normaliseIp(peer) ?? peer;
}

const single = (value: string | string[] | undefined) =>
  Array.isArray(value) ? value.join(',') : value;

export interface RequestContextOptions {
  /** Whose forwarding headers are believed; anyone else's are ignored. Default: nobody's. */
  trustedProxies?: readonly Cidr[];
}

/**
 * First middleware of every app: one request id per request, echoed and kept for logs/events, and
 * the client address, decided once from the socket and the proxies this service trusts.
 */
export function requestContext(options: RequestContextOptions = {}): RequestHandler {
  const trusted = new TrustedProxies(options.trustedProxies ?? []);
  return (req, res, next) => {
    const inbound = req.headers['x-request-id'];
    const requestId = isSaneRequestId(inbound) ? inbound : randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('X-Request-ID', requestId);
    const clientIp = trusted.clientIp(req.socket.remoteAddress ?? '', {
      xForwardedFor: single(req.headers['x-forwarded-for']),
      forwarded: single(req.headers.forwarded),
    });
    clientIps.set(req, clientIp);
    storage.run({ requestId, clientIp, userAgent: req.headers['user-agent'] }, () => {
      next();
    });
  };
}
