import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

import type { RequestHandler } from 'express';

export interface RequestContext {
  requestId: string;
  /**
   * The caller as this service sees it: behind the gateway, the single X-Forwarded-For address the
   * gateway resolved and set (services are never public); else the socket peer.
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

/** First middleware of every app: one request id per request, echoed and kept for logs/events. */
export function requestContext(): RequestHandler {
  return (req, res, next) => {
    const inbound = req.headers['x-request-id'];
    const requestId = isSaneRequestId(inbound) ? inbound : randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('X-Request-ID', requestId);
    const forwarded = req.headers['x-forwarded-for'];
    const clientIp =
      (typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined) ||
      req.socket.remoteAddress;
    storage.run({ requestId, clientIp, userAgent: req.headers['user-agent'] }, () => {
      next();
    });
  };
}
