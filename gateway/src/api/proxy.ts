import http from 'node:http';
import type { Socket } from 'node:net';

import type { Request, RequestHandler, Response } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';

import {
  clientIpOf,
  currentClientRequestId,
  GATEWAY_OWNED_HEADERS,
  Problems,
} from '@secure-api/shared/http';
import type { Logger } from '@secure-api/shared/logging';

import type { UpstreamName } from '../config.js';
import { matchedRule } from './access-control.js';
import { pathOf, writeProblem } from './problem-response.js';

export interface ProxyOptions {
  upstreams: Record<UpstreamName, string>;
  connectTimeoutMs: number;
  timeoutMs: number;
  logger: Logger;
}

// Identity and routing headers only the gateway may set; a client's copy is dropped. The client's
// request id reaches the services only as the gateway forwards it (X-Client-Request-ID).
const SPOOFABLE =
  /^(x-user-|x-internal-|x-forwarded-|x-real-ip$|forwarded$|x-service-|x-client-request-id$)/;

// Response headers that are the gateway's to set: its own security headers (set before the
// upstream answered) and its limits, the ones a client is told about. An upstream's copy is dropped.
const NOT_FROM_UPSTREAM: readonly string[] = [
  ...GATEWAY_OWNED_HEADERS,
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
];

/** Below the services' keep-alive timeout (shared's listen(): 5 s). */
export const UPSTREAM_IDLE_MS = 4_000;

class UpstreamTimeout extends Error {
  constructor(readonly phase: 'connect' | 'response') {
    super(`upstream ${phase} timeout`);
  }
}

/** Drops client-supplied identity headers before anything else can read them. */
export function stripSpoofableHeaders(): RequestHandler {
  return (req, _res, next) => {
    for (const name of Object.keys(req.headers)) {
      if (SPOOFABLE.test(name)) Reflect.deleteProperty(req.headers, name);
    }
    next();
  };
}

/**
 * Two limits: reaching the upstream (connect) and its silence afterwards (response). The connect
 * timer must stop once the socket is connected, or it becomes a total limit on every request.
 */
function armTimeouts(proxyReq: http.ClientRequest, { connectTimeoutMs, timeoutMs }: ProxyOptions) {
  const connectTimer = setTimeout(() => {
    proxyReq.destroy(new UpstreamTimeout('connect'));
  }, connectTimeoutMs);
  const connected = () => {
    clearTimeout(connectTimer);
  };
  const watch = (socket: Socket) => {
    if (socket.connecting) socket.once('connect', connected);
    else connected();
  };
  // http-proxy emits `proxyReq` from inside the request's own 'socket' event: the socket is
  // already here, and a 'socket' listener added now would never be called.
  if (proxyReq.socket) watch(proxyReq.socket);
  else proxyReq.once('socket', watch);
  proxyReq.once('close', connected);
  proxyReq.setTimeout(timeoutMs, () => {
    proxyReq.destroy(new UpstreamTimeout('response'));
  });
}

/**
 * Forwards a request to the service that owns the route access control matched and admitted;
 * anything it did not match falls through to the 404. The Authorization header goes through
 * unchanged: the service verifies the token again.
 */
export function proxyToUpstreams(options: ProxyOptions): RequestHandler {
  // An idle pooled connection is dropped after 4 s, before the services drop theirs (5 s):
  // otherwise a request sent on a connection the upstream is closing at that instant fails with
  // ECONNRESET, a 502 the client did nothing to deserve.
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: 256,
    keepAliveMsecs: 1000,
    timeout: UPSTREAM_IDLE_MS,
  });
  const proxies = new Map(
    Object.entries(options.upstreams).map(([name, target]) => [
      name,
      createProxyMiddleware<Request, Response>({
        target,
        agent,
        xfwd: false,
        changeOrigin: false,
        on: {
          proxyReq: (proxyReq, req) => {
            armTimeouts(proxyReq, options);
            // The one address the gateway decided on (trusted proxies considered), not a chain.
            proxyReq.setHeader('X-Forwarded-For', clientIpOf(req));
            // Express's req.protocol with trust proxy off, also on the lean path (no Express).
            proxyReq.setHeader('X-Forwarded-Proto', 'encrypted' in req.socket ? 'https' : 'http');
            // X-Request-ID is already the gateway's own (request context); the client's goes apart.
            const clientRequestId = currentClientRequestId();
            if (clientRequestId) proxyReq.setHeader('X-Client-Request-ID', clientRequestId);
            // The body was read (inflated if compressed) and checked at the edge; forward exactly
            // the bytes that were checked.
            if (req.rawBody) {
              proxyReq.removeHeader('Transfer-Encoding');
              proxyReq.removeHeader('Content-Encoding');
              proxyReq.setHeader('Content-Length', req.rawBody.length);
              proxyReq.write(req.rawBody);
            }
          },
          proxyRes: (proxyRes, req, res) => {
            for (const name of NOT_FROM_UPSTREAM) {
              if (name in proxyRes.headers) Reflect.deleteProperty(proxyRes.headers, name);
            }
            // The connection header is ours, not the upstream's: on the last response a client
            // connection may carry (maxRequestsPerSocket), say close, or the client's next request
            // would meet Node's bare 503 instead of a problem.
            const last = (res as { maxRequestsOnConnectionReached?: boolean })
              .maxRequestsOnConnectionReached;
            proxyRes.headers.connection = last ? 'close' : (req.headers.connection ?? 'keep-alive');
          },
          error: (error, req, res) => {
            const problem =
              error instanceof UpstreamTimeout ? Problems.gatewayTimeout() : Problems.badGateway();
            options.logger.warn(
              {
                upstream: name,
                path: pathOf(req.originalUrl || req.url),
                reason:
                  error instanceof UpstreamTimeout
                    ? error.message
                    : (error as NodeJS.ErrnoException).code,
              },
              'upstream failed',
            );
            if (!(res instanceof http.ServerResponse) || res.headersSent) {
              res.destroy();
              return;
            }
            writeProblem(req, res, problem);
          },
        },
      }),
    ]),
  );

  return (req, res, next) => {
    const rule = matchedRule(req);
    const proxy = rule ? proxies.get(rule.upstream) : undefined;
    if (!proxy) {
      next();
      return;
    }
    void proxy(req, res, next);
  };
}
