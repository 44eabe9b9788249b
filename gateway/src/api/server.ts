import { accessTokenVerifier, remoteKeySet, RevocationStore } from '@secure-api/shared/auth';
import {
  createCounter,
  createMetrics,
  createServiceApp,
  listen,
  Readiness,
  ResourceStack,
  revocationChecksCounter,
  watchRedis,
  type Metrics,
} from '@secure-api/shared/lifecycle';
import { createLogger, type Logger } from '@secure-api/shared/logging';
import { jsonBody, requestContext } from '@secure-api/shared/http';
import { redisCheck, openRedis } from '@secure-api/shared/redis';

import type { Config } from '../config.js';
import { ApiKeyResolver } from '../data/api-key.resolver.js';
import { startEventPublishing } from '../data/event-publishing.js';
import { RateLimits } from '../data/rate-limiters.js';
import { SecurityPolicyRepository } from '../data/security-policy.repository.js';
import { accessControl, type AccessControlOptions } from './access-control.js';
import { corsPolicy } from './cors.js';
import { edgeListener, type EdgeStages } from './edge-pipeline.js';
import { proxyToUpstreams, stripSpoofableHeaders } from './proxy.js';
import { rateLimit } from './rate-limit.js';
import { tableRouteOf } from './route-match.js';
import { docsRoutes } from './routes/docs.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { GatewayEvents } from './security-events.js';

export interface RunningGateway {
  url: string;
  port: number;
  /** Management listener: /health/ready and /metrics, never exposed publicly. */
  adminUrl: string;
  close(): Promise<void>;
}

export interface GatewayDependencies {
  logger: Logger;
  metrics: Metrics;
  readiness: Readiness;
  access: AccessControlOptions;
  limits: RateLimits;
}

/** The handlers both the Express app and the lean path run, built once. */
function edgeStages(config: Config, { logger, access, limits }: GatewayDependencies): EdgeStages {
  return {
    context: requestContext({ trustedProxies: config.trustedProxies, requestIds: 'own' }),
    cors: corsPolicy(config.corsOrigins),
    stripHeaders: stripSpoofableHeaders(),
    rateLimit: rateLimit(limits, access.events),
    accessControl: accessControl(access),
    body: jsonBody({ limit: config.bodyLimitBytes }),
    proxy: proxyToUpstreams({
      upstreams: config.upstreams,
      connectTimeoutMs: config.upstreamConnectTimeoutMs,
      timeoutMs: config.upstreamTimeoutMs,
      logger,
    }),
  };
}

function createApp(
  config: Config,
  { logger, metrics, readiness }: GatewayDependencies,
  stages: EdgeStages,
) {
  return createServiceApp({
    logger,
    metrics,
    readiness,
    bodyLimit: config.bodyLimitBytes,
    // The client address is decided once, from the socket and these proxies (clientIpOf).
    trustedProxies: config.trustedProxies,
    // Every request is filed under an id of ours; a client's X-Request-ID is only its own label.
    requestIds: 'own',
    operationalRoutes: false,
    beforeBody: (app) => {
      // Express must not guess from X-Forwarded-*.
      app.set('trust proxy', false);
      app.use(stages.cors);
      app.use(stages.stripHeaders);
      // Health is never limited; everything else is, before a token is verified or a body read.
      app.use(healthRoutes(config.version));
      app.use(stages.rateLimit);
      app.use(docsRoutes(config.docsEnabled));
      app.use(stages.accessControl);
    },
    routes: (app) => {
      app.use(stages.proxy);
    },
  });
}

/**
 * The public listener: the routes of the table on the lean path, everything else on the Express
 * app; the same handlers in the same order either way (edge-pipeline.ts).
 */
export function createGateway(config: Config, dependencies: GatewayDependencies) {
  const stages = edgeStages(config, dependencies);
  return edgeListener({
    stages,
    logger: dependencies.logger,
    metrics: dependencies.metrics,
    app: createApp(config, dependencies, stages),
  });
}

export function startServer(
  config: Config,
  logger: Logger = createLogger({ service: 'gateway', level: config.logLevel }),
): Promise<RunningGateway> {
  return new ResourceStack().startWith((resources) => start(config, logger, resources));
}

async function start(
  config: Config,
  logger: Logger,
  resources: ResourceStack,
): Promise<RunningGateway> {
  const redis = resources.open(await openRedis(config.redisUrl, logger), (client) => {
    client.disconnect();
  });
  const metrics = createMetrics('gateway', { routeOf: tableRouteOf });
  watchRedis(metrics, redis);
  // The broker is not in readiness: while it is away, events wait in the bounded buffer.
  const readiness = new Readiness({ redis: redisCheck(redis) });
  const publishing = resources.open(
    await startEventPublishing({
      amqpUrl: config.amqpUrl,
      capacity: config.eventBufferSize,
      logger,
      metrics,
    }),
    (events) => events.close(),
  );
  const access: AccessControlOptions = {
    // Keys are fetched on first use and cached, so the gateway may start before auth-service.
    verifier: accessTokenVerifier(remoteKeySet(config.jwksUrl)),
    revocation: new RevocationStore(redis, revocationChecksCounter(metrics)),
    events: new GatewayEvents(
      publishing.buffer,
      publishing.dropped,
      createCounter(metrics, {
        name: 'gateway_rate_limited_total',
        help: 'Requests refused with 429, by the limit that refused them',
        labelNames: ['limit'],
      }),
    ),
  };
  const limits = new RateLimits({
    redis,
    config: config.rateLimits,
    policy: new SecurityPolicyRepository(redis, {
      keyPrefix: config.rateLimits.redisKeyPrefix,
      fallbackLoginRate: config.rateLimits.login,
      logger,
    }),
    fallbackCounter: createCounter(metrics, {
      name: 'gateway_rate_limit_fallback_total',
      help: 'Rate-limit decisions made from memory because Redis was unreachable',
      labelNames: ['limit'],
    }),
    logger,
  });
  access.apiKeys = {
    resolver: new ApiKeyResolver({
      redis,
      authServiceUrl: config.upstreams.auth,
      keyPrefix: config.rateLimits.redisKeyPrefix,
      cacheSeconds: config.apiKeyCacheSeconds,
      timeoutMs: config.upstreamTimeoutMs,
    }),
    limits,
    logger,
  };
  const server = resources.open(
    await listen(createGateway(config, { logger, metrics, readiness, access, limits }), {
      port: config.port,
      host: config.host,
      ...config.server,
    }),
    (running) => running.close(),
  );
  const admin = resources.open(
    await listen(createServiceApp({ logger, metrics, readiness, routes: () => undefined }), {
      port: config.adminPort,
      host: config.adminHost,
    }),
    (running) => running.close(),
  );
  return {
    url: server.url,
    port: server.port,
    adminUrl: admin.url,
    close: async () => {
      readiness.startDraining();
      // The public port first, while the admin port still answers probes (not ready); then the
      // rest in reverse: the admin port, the publisher (after the last response: its events, an
      // API key's use, are in the buffer by then) and Redis.
      await server.close();
      await resources.close();
    },
  };
}
