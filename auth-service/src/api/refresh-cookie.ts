import type { Request, RequestHandler, Response } from 'express';

import { clientIpOf } from '@secure-api/shared/http';

import { AuthProblems } from '../domain/auth-problems.js';

export const REFRESH_COOKIE = 'refresh_token';
const COOKIE_PATH = '/api/v1/auth';

export function setRefreshCookie(res: Response, token: string, expiresAt: Date, secure: boolean) {
  res.cookie(REFRESH_COOKIE, token, {
    httpOnly: true,
    secure,
    sameSite: 'strict',
    path: COOKIE_PATH,
    expires: expiresAt,
  });
}

export function clearRefreshCookie(res: Response, secure: boolean) {
  res.clearCookie(REFRESH_COOKIE, {
    httpOnly: true,
    secure,
    sameSite: 'strict',
    path: COOKIE_PATH,
  });
}

/** The request's cookies as `[name, value]`, in the order the browser sent them. */
export function* cookiesOf(req: Request): Generator<[string, string]> {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name = '', ...value] = part.split('=');
    yield [name.trim(), value.join('=').trim()];
  }
}

export function readRefreshCookie(req: Request): string | undefined {
  for (const [name, token] of cookiesOf(req)) {
    if (name === REFRESH_COOKIE) return /^[A-Za-z0-9_-]{43}$/.test(token) ? token : undefined;
  }
  return undefined;
}

/** Cookie-authenticated routes refuse a cross-site Origin (CSRF defence beside SameSite). */
export function requireAllowedOrigin(origins: string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, _res, next) => {
    const origin = req.headers.origin;
    if (origin !== undefined && !allowed.has(origin)) throw AuthProblems.originNotAllowed();
    next();
  };
}

/** The client as the request context decided (X-Forwarded-For believed only from TRUSTED_PROXIES). */
export function clientInfo(req: Request) {
  return { ip: clientIpOf(req), userAgent: req.headers['user-agent'] };
}
