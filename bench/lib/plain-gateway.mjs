// The "checks off" gateway of scenario 1, built for the bench only (no production switch turns
// the checks off). It is the real gateway's app minus exactly three things: the rate limiter,
// JWT verification + the Redis revocation check, and the permission check. Everything else is
// the same code, in the same order, from the built gateway and shared packages:
//   createServiceApp: request id + context (client IP), helmet security headers, access log, metrics,
//                     JSON body parsing (same limit), 404 and problem+json error handler;
//   beforeBody:       trust-proxy off, CORS, spoofable-header stripping,
//                     GET /health, the route-table lookup (405 for a wrong method);
//   routes:           the same proxy (keep-alive agent, timeouts, header hygiene).
// The route-table lookup is the first handler of accessControl(); its other two handlers (bearer
// + revocation, permission) are left out, and the verifier, revocation store and event reporter
// given to it throw if anything ever calls them.
import { createMetrics, createServiceApp, listen, Readiness } from '@secure-api/shared/lifecycle';
import { createLogger } from '@secure-api/shared/logging';

import { accessControl } from '../../gateway/dist/api/access-control.js';
import { corsPolicy } from '../../gateway/dist/api/cors.js';
import { proxyToUpstreams, stripSpoofableHeaders } from '../../gateway/dist/api/proxy.js';
import { healthRoutes } from '../../gateway/dist/api/routes/health.routes.js';
import { readConfig } from '../../gateway/dist/config.js';

const config = readConfig();
const logger = createLogger({ service: 'gateway-plain', level: config.logLevel });

const unused = (what) => () => {
  throw new Error(`the plain gateway must never ${what}`);
};
const handlers = accessControl({
  verifier: { verify: unused('verify a token') },
  revocation: { isRevoked: unused('check revocation') },
  // Refusals are reported through this; the plain gateway never refuses, so never reports.
  events: new Proxy({}, { get: () => unused('report a security event') }),
});
if (handlers.length !== 3) {
  throw new Error('accessControl() changed shape: update bench/lib/plain-gateway.mjs');
}
const [routeLookup] = handlers;

const metrics = createMetrics('gateway-plain');
const app = createServiceApp({
  logger,
  metrics,
  readiness: new Readiness({}),
  bodyLimit: config.bodyLimitBytes,
  trustedProxies: config.trustedProxies,
  operationalRoutes: false,
  beforeBody: (app) => {
    app.set('trust proxy', false);
    app.use(corsPolicy(config.corsOrigins));
    app.use(stripSpoofableHeaders());
    app.use(healthRoutes(config.version));
    app.use(routeLookup);
  },
  routes: (app) => {
    app.use(
      proxyToUpstreams({
        upstreams: config.upstreams,
        connectTimeoutMs: config.upstreamConnectTimeoutMs,
        timeoutMs: config.upstreamTimeoutMs,
        logger,
      }),
    );
  },
});

const server = await listen(app, { port: config.port, host: config.host, ...config.server });
logger.info({ url: server.url }, 'listening');
process.once('SIGTERM', () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
