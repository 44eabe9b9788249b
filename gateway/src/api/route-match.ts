import type { Request } from 'express';

import { nameServerSpan } from '@secure-api/shared/telemetry';

import { resolveRoute, type RouteMatch } from '../domain/route-table.js';

const matches = new WeakMap<Request, RouteMatch>();

/** Stands for "no route of the table" where a pattern is needed: never the path asked for. */
export const UNMATCHED_ROUTE = '/*';

/** The route-table match of this request, decided once (rate limits and access control ask). */
export function routeMatchOf(req: Request): RouteMatch {
  let match = matches.get(req);
  if (!match) {
    match = resolveRoute(req.method, req.path);
    rememberRouteMatch(req, match);
  }
  return match;
}

/** For a caller that resolved the route already (the lean path, before any handler ran). */
export function rememberRouteMatch(req: Request, match: RouteMatch): void {
  matches.set(req, match);
  // The request's span is named by its route, never by the path asked for.
  nameServerSpan(req.method, match.kind === 'unknown' ? UNMATCHED_ROUTE : match.pattern);
}

/** `/api/v1/users/{id}` for any user id: what events and logs may name. */
export function routePatternOf(req: Request): string {
  const match = routeMatchOf(req);
  return match.kind === 'unknown' ? UNMATCHED_ROUTE : match.pattern;
}

/** The table's pattern for http_request_duration_seconds; undefined off the table (/health). */
export function tableRouteOf(req: Request): string | undefined {
  const match = routeMatchOf(req);
  return match.kind === 'unknown' ? undefined : match.pattern;
}
