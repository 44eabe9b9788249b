import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

import type { Request, RequestHandler } from 'express';

import { normaliseIp, TrustedProxies, type Cidr } from './client-ip.js';

export interface RequestContext {
  /** Ours: generated at the edge (the gateway), or accepted from the service that called us. */
  requestId: string;
  /**
   * The id a client chose for its request (its `X-Request-ID` at the gateway), kept apart from
   * ours so a client can correlate without choosing what our logs and audit records are filed
   * under.
   */
  clientRequestId?: string | undefined;
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

export function currentClientRequestId(): string | undefined {
  return storage.getStore()?.clientRequestId;
}

/** What a service-to-service call carries, so the callee files its work under the same ids. */
export function requestIdHeaders(): Record<string, string> {
  const context = storage.getStore();
  return {
    ...(context ? { 'x-request-id': context.requestId } : {}),
    ...(context?.clientRequestId ? { 'x-client-request-id': context.clientRequestId } : {}),
  };
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
  /**
   * `own` (the gateway, facing clients): every request gets an id of ours, and a sane
   * `X-Request-ID` from the client is kept only as its client request id. `from-caller` (the
   * services, called by the gateway or each other): a sane `X-Request-ID` and
   * `X-Client-Request-ID` from the caller are taken as they are. Default: `from-caller`.
   */
  requestIds?: 'own' | 'from-caller';
}

const sane = (value: unknown) => (isSaneRequestId(value) ? value : undefined);

/**
 * First middleware of every app: one request id per request (and the client's own, when it sent
 * one), echoed and kept for logs/events, and the client address, decided once from the socket
 * and the proxies this service trusts.
 */
export function requestContext(options: RequestContextOptions = {}): RequestHandler {
  const trusted = new TrustedProxies(options.trustedProxies ?? []);
  const own = options.requestIds === 'own';
  return (req, res, next) => {
    const inbound = sane(req.headers['x-request-id']);
    const requestId = own ? randomUUID() : (inbound ?? randomUUID());
    const clientRequestId = own ? inbound : sane(req.headers['x-client-request-id']);
    req.headers['x-request-id'] = requestId;
    if (clientRequestId) req.headers['x-client-request-id'] = clientRequestId;
    else Reflect.deleteProperty(req.headers, 'x-client-request-id');
    res.setHeader('X-Request-ID', requestId);
    if (clientRequestId) res.setHeader('X-Client-Request-ID', clientRequestId);
    const clientIp = trusted.clientIp(req.socket.remoteAddress ?? '', {
      xForwardedFor: single(req.headers['x-forwarded-for']),
      forwarded: single(req.headers.forwarded),
    });
    clientIps.set(req, clientIp);
    storage.run(
      { requestId, clientRequestId, clientIp, userAgent: req.headers['user-agent'] },
      () => {
        next();
      },
    );
  };
}
