import type { IncomingMessage, ServerResponse } from 'node:http';

import { problemBody, PROBLEM_CONTENT_TYPE, type AppError } from '@secure-api/shared/http';

/** The request's path without its query: what a problem's `instance` names. */
export function pathOf(url: string | undefined): string {
  const text = url ?? '/';
  const query = text.indexOf('?');
  return query === -1 ? text : text.slice(0, query);
}

/**
 * shared's `sendProblem`, byte for byte, on a plain node:http response: the gateway's lean path
 * and its proxy's error handler answer without Express's response methods.
 */
export function writeProblem(req: IncomingMessage, res: ServerResponse, error: AppError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  const requestId = req.headers['x-request-id'];
  const body = JSON.stringify(
    problemBody(error, pathOf(req.url), typeof requestId === 'string' ? requestId : undefined),
  );
  res.statusCode = error.status;
  res.setHeader('Content-Type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  if (req.method === 'HEAD') res.end();
  else res.end(body);
}
