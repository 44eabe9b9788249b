import type { Request, Response } from 'express';

import type { AppError } from './app-error.js';
import { currentRequestId } from './request-context.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://secure-api.dev/problems/';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  request_id: string | undefined;
  errors?: { field: string; message: string }[];
}

export function problemBody(error: AppError, path: string, requestId?: string): ProblemBody {
  return {
    type: `${PROBLEM_TYPE_BASE}${error.code}`,
    title: error.title,
    status: error.status,
    detail: error.detail,
    // The client's own path, capped; never a server path.
    instance: path.slice(0, 200),
    request_id: currentRequestId() ?? requestId,
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

/** RFC 9457 response; the only way any service writes an error. */
export function sendProblem(req: Request, res: Response, error: AppError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res
    .status(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemBody(error, req.path, req.get('x-request-id'))));
}
