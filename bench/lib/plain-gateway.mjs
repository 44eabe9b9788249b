// The "checks off" gateway of scenario 1, built for the bench only (no production switch turns
// the checks off). It is the real gateway (gateway/src/api/server.ts) minus exactly three things:
// the rate limiter, JWT verification + the Redis revocation check, and the permission check.
// Everything else is the same code, in the same order, from the built gateway and shared packages:
//   the lean path (edgeListener) for the routes of the table: request id + context (client IP),
//     the recorded helmet security headers, access log, metrics, CORS, spoofable-header stripping,
//     the route-table lookup, JSON body parsing (same limit), the same proxy (keep-alive agent,
//     timeouts, header hygiene), problem+json errors;
//   the Express app for everything else: the same stages through createServiceApp, GET /health,
//     the route-table lookup (405 for a wrong method), 404 and the error handler.
// The route-table lookup is the first handler of accessControl(); its other two handlers (bearer
// + revocation, permission) are left out, and the verifier, revocation store and event reporter
// given to it throw if anything ever calls them.
import { jsonBody, requestContext } from '@secure-api/shared/http';
import { createMetrics, createServiceApp, listen, Readiness } from '@secure-api/shared/lifecycle';
import { createLogger } from '@secure-api/shared/logging';

import { accessControl } from '../../gateway/dist/api/access-control.js';
import { corsPolicy } from '../../gateway/dist/api/cors.js';
import { edgeListener } from '../../gateway/dist/api/edge-pipeline.js';
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
const stages = {
  context: requestContext({ trustedProxies: config.trustedProxies, requestIds: 'own' }),
  cors: corsPolicy(config.corsOrigins),
  stripHeaders: stripSpoofableHeaders(),
  rateLimit: (_req, _res, next) => next(), // left out
  accessControl: [routeLookup],
  body: jsonBody({ limit: config.bodyLimitBytes }),
  proxy: proxyToUpstreams({
    upstreams: config.upstreams,
    connectTimeoutMs: config.upstreamConnectTimeoutMs,
    timeoutMs: config.upstreamTimeoutMs,
    logger,
  }),
};
const app = createServiceApp({
  logger,
  metrics,
  readiness: new Readiness({}),
  bodyLimit: config.bodyLimitBytes,
  trustedProxies: config.trustedProxies,
  requestIds: 'own',
  operationalRoutes: false,
  beforeBody: (app) => {
    app.set('trust proxy', false);
    app.use(stages.cors);
    app.use(stages.stripHeaders);
    app.use(healthRoutes(config.version));
    app.use(stages.accessControl);
  },
  routes: (app) => {
    app.use(stages.proxy);
  },
});
const listener = edgeListener({ stages, logger, metrics, app });

const server = await listen(listener, { port: config.port, host: config.host, ...config.server });
logger.info({ url: server.url }, 'listening');
process.once('SIGTERM', () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
