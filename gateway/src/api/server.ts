import {
  createLogger,
  createMetrics,
  createServiceApp,
  listen,
  Readiness,
  type Logger,
  type Metrics,
} from '@secure-api/shared';

import type { Config } from '../config.js';
import { corsPolicy } from './cors.js';
import { proxyToUpstreams, stripSpoofableHeaders } from './proxy.js';
import { healthRoutes } from './routes/health.routes.js';

export interface RunningGateway {
  url: string;
  port: number;
  /** Management listener: /health/ready and /metrics, never exposed publicly. */
  adminUrl: string;
  close(): Promise<void>;
}

export function createApp(config: Config, logger: Logger, metrics: Metrics, readiness: Readiness) {
  return createServiceApp({
    logger,
    metrics,
    readiness,
    bodyLimit: config.bodyLimitBytes,
    operationalRoutes: false,
    beforeBody: (app) => {
      app.set('trust proxy', false);
      app.use(corsPolicy(config.corsOrigins));
      app.use(stripSpoofableHeaders());
    },
    routes: (app) => {
      app.use(healthRoutes(config.version));
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
}

export async function startServer(
  config: Config,
  logger: Logger = createLogger({ service: 'gateway', level: config.logLevel }),
): Promise<RunningGateway> {
  const metrics = createMetrics('gateway');
  const readiness = new Readiness({});
  const server = await listen(createApp(config, logger, metrics, readiness), {
    port: config.port,
    host: config.host,
  });
  const admin = await listen(
    createServiceApp({ logger, metrics, readiness, routes: () => undefined }),
    { port: config.adminPort, host: config.adminHost },
  );
  return {
    url: server.url,
    port: server.port,
    adminUrl: admin.url,
    close: async () => {
      readiness.startDraining();
      await server.close();
      await admin.close();
    },
  };
}
