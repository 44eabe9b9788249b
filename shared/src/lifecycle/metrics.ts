import client from 'prom-client';
import type { Request, RequestHandler } from 'express';

export interface Metrics {
  registry: client.Registry;
  httpDuration: client.Histogram<'method' | 'route' | 'status'>;
  unexpectedErrors: client.Counter;
  middleware(): RequestHandler;
  handler(): RequestHandler;
}

export interface MetricsOptions {
  /**
   * The route pattern of a request the Express router did not match itself (the gateway proxies
   * by its own table); undefined falls back to the router's route, else `unmatched`.
   */
  routeOf?: (req: Request) => string | undefined;
}

/** One registry per service instance, so several services can share a test process. */
export function createMetrics(service: string, options: MetricsOptions = {}): Metrics {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry });

  const httpDuration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, matched route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const unexpectedErrors = new client.Counter({
    name: 'http_unexpected_errors_total',
    help: 'Errors that reached the central handler without being an AppError',
    registers: [registry],
  });

  return {
    registry,
    httpDuration,
    unexpectedErrors,
    middleware: () => (req, res, next) => {
      const end = httpDuration.startTimer();
      res.on('finish', () => {
        // Route patterns, never raw paths: bounded label cardinality.
        const route = (req.route as { path?: string } | undefined)?.path;
        end({
          method: req.method,
          route: options.routeOf?.(req) ?? (route ? `${req.baseUrl}${route}` : 'unmatched'),
          status: String(res.statusCode),
        });
      });
      next();
    },
    handler: () => async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    },
  };
}
