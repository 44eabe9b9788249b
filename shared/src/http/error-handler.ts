import type { ErrorRequestHandler, RequestHandler } from 'express';

import type { Logger } from '../logging/logger.js';
import { AppError, Problems } from './app-error.js';
import { isDependencyOutage } from './dependency-outage.js';
import { sendProblem } from './problem.js';

interface HttpishError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  limit?: unknown;
}

/** Turns anything thrown into a public AppError; library text never reaches the client. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as HttpishError;
  switch (e.type) {
    case 'entity.too.large':
      return Problems.payloadTooLarge(typeof e.limit === 'number' ? e.limit : 0);
    case 'entity.parse.failed':
      return Problems.malformedJson();
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return Problems.unsupportedMediaType();
    default:
      break;
  }
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status, 'client-error', 'The request could not be processed');
  }
  // The database is down, not the code wrong: a retryable 503 (still logged and counted below).
  if (isDependencyOutage(error)) return Problems.unavailable();
  return Problems.internal();
}

export interface ErrorHandlerOptions {
  logger: Logger;
  onUnexpected?: () => void;
}

export function errorHandler({ logger, onUnexpected }: ErrorHandlerOptions): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const problem = toAppError(error);
    if (problem.status >= 500 && !(error instanceof AppError)) {
      logger.error({ err: error, method: req.method, path: req.path }, 'unexpected error');
      onUnexpected?.();
    }
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    sendProblem(req, res, problem);
  };
}

export function notFoundHandler(): RequestHandler {
  return (_req, _res, next) => {
    next(Problems.notFound());
  };
}
