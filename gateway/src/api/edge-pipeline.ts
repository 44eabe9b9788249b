import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

import type { Request, RequestHandler, Response } from 'express';

import { AppError, Problems, securityHeaders, toAppError } from '@secure-api/shared/http';
import { accessLog, type Metrics } from '@secure-api/shared/lifecycle';
import type { Logger } from '@secure-api/shared/logging';

import { resolveRoute, type RouteMatch } from '../domain/route-table.js';
import { pathOf, writeProblem } from './problem-response.js';
import { rememberRouteMatch } from './route-match.js';

type Handler = (req: Request, res: Response, next: (error?: unknown) => void) => unknown;

/** The handlers of the proxied routes, in the order the Express app runs them. */
export interface EdgeStages {
  /** shared's requestContext, with the gateway's options. */
  context: RequestHandler;
  cors: RequestHandler[];
  stripHeaders: RequestHandler;
  rateLimit: RequestHandler;
  accessControl: RequestHandler[];
  body: RequestHandler;
  proxy: RequestHandler;
}

export interface EdgeOptions {
  stages: EdgeStages;
  logger: Logger;
  metrics: Metrics;
  /** Serves every request that is not a method of a route of the table, as before. */
  app: RequestListener;
}

/** Express 5's contract for one handler: a throw or a rejected promise goes to the error path. */
function runChain(handlers: Handler[], req: Request, res: Response, fail: (e: unknown) => void) {
  let index = 0;
  const next = (error?: unknown): void => {
    // As Express's router: any falsy value (cors passes null) is no error.
    if (error && error !== 'route' && error !== 'router') {
      fail(error);
      return;
    }
    const handler = handlers.at(index);
    index += 1;
    if (!handler) return;
    try {
      const result = handler(req, res, next);
      if (result instanceof Promise) result.catch(fail);
    } catch (thrown) {
      fail(thrown);
    }
  };
  next();
}

/**
 * The gateway's public listener. A method of a route of the table (what is proxied, about every
 * request) runs the same handlers as the Express app, in the same order, without Express's own
 * per-request work (request and response prototypes, router, query parsing); anything else
 * (/health, /docs, preflights, 404, 405) goes to the Express app unchanged.
 */
export function edgeListener({ stages, logger, metrics, app }: EdgeOptions): RequestListener {
  const handlers: Handler[] = [
    stages.context,
    securityHeaders(),
    accessLog(logger),
    metrics.middleware(),
    ...stages.cors,
    stages.stripHeaders,
    stages.rateLimit,
    ...stages.accessControl,
    stages.body,
    stages.proxy,
    // The proxy passes on only what it has no upstream for: the 404 of the Express app.
    (_req, _res, next) => {
      next(Problems.notFound());
    },
  ];
  const fail = (req: IncomingMessage, res: ServerResponse) => (error: unknown) => {
    // shared's errorHandler, on a plain response.
    const problem = toAppError(error);
    if (problem.status >= 500 && !(error instanceof AppError)) {
      logger.error({ err: error, method: req.method, path: pathOf(req.url) }, 'unexpected error');
      metrics.unexpectedErrors.inc();
    }
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    writeProblem(req, res, problem);
  };

  return (req, res) => {
    const path = pathOf(req.url);
    const match: RouteMatch =
      req.method === undefined ? { kind: 'unknown' } : resolveRoute(req.method, path);
    if (match.kind !== 'route' || !path.startsWith('/')) {
      app(req, res);
      return;
    }
    const request = Object.assign(req, { path }) as unknown as Request;
    rememberRouteMatch(request, match);
    runChain(handlers, request, res as Response, fail(req, res));
  };
}
