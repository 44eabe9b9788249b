import express, { type Express } from 'express';

import type { Cidr } from '../http/client-ip.js';
import { errorHandler, notFoundHandler } from '../http/error-handler.js';
import { jsonBody } from '../http/json-body.js';
import { requestContext, type RequestContextOptions } from '../http/request-context.js';
import { securityHeaders } from '../http/security-headers.js';
import { fixedFieldLines, type Logger } from '../logging/logger.js';
import type { Metrics } from './metrics.js';
import type { Readiness } from './readiness.js';

export const DEFAULT_BODY_LIMIT = 16 * 1024;

export interface ServiceAppOptions {
  logger: Logger;
  metrics: Metrics;
  readiness: Readiness;
  bodyLimit?: number;
  /** `TRUSTED_PROXIES`: whose X-Forwarded-For decides the client address. */
  trustedProxies?: readonly Cidr[];
  /** Whose request ids are taken: the caller's (services) or none, ours only (the gateway). */
  requestIds?: RequestContextOptions['requestIds'];
  /**
   * Whether `/health/ready` and `/metrics` are served by this app. The gateway's public app says
   * no and serves them on its management port instead.
   */
  operationalRoutes?: boolean;
  /** Runs before the body is read (the gateway's CORS and header hygiene). */
  beforeBody?(app: Express): void;
  /** Mounts the service's own routes, after the common middleware and before 404/errors. */
  routes(app: Express): void;
}

/** One `request` line per response (also run by the gateway's lean path, without Express). */
export function accessLog(logger: Logger): express.RequestHandler {
  // Its fields are fixed and none is named like a secret: no redactor.
  const lines = fixedFieldLines(logger);
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      lines.info(
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    next();
  };
}

/** Every service's app has this shape: context, headers, logs, metrics, health, body, routes, errors. */
export function createServiceApp(options: ServiceAppOptions): Express {
  const { logger, metrics, readiness } = options;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  app.use(
    requestContext({
      trustedProxies: options.trustedProxies ?? [],
      requestIds: options.requestIds ?? 'from-caller',
    }),
  );
  app.use(securityHeaders());
  app.use(accessLog(logger));
  app.use(metrics.middleware());

  app.get('/health/live', readiness.liveHandler());
  if (options.operationalRoutes ?? true) {
    app.get('/health/ready', readiness.readyHandler());
    app.get('/metrics', metrics.handler());
  }

  options.beforeBody?.(app);
  app.use(jsonBody({ limit: options.bodyLimit ?? DEFAULT_BODY_LIMIT }));
  options.routes(app);

  app.use(notFoundHandler());
  app.use(
    errorHandler({
      logger,
      onUnexpected: () => {
        metrics.unexpectedErrors.inc();
      },
    }),
  );
  return app;
}
