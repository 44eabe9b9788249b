import { describe, expect, it } from '@jest/globals';
import express from 'express';
import request from 'supertest';

import {
  AppError,
  errorHandler,
  Problems,
  requestContext,
  toAppError,
} from '@secure-api/shared/http';
import { captureLogger } from '@secure-api/shared/testing';

import { buildTestApp } from './support/test-app.js';

const SECRET_TEXT =
  'password=hunter2 at /srv/secure-api/auth-service/src/data/credential.repository.ts:42';

function failingApp() {
  return buildTestApp((app) => {
    app.get('/boom', () => {
      throw new TypeError(SECRET_TEXT);
    });
    app.get('/boom-async', async () => {
      await Promise.resolve();
      throw new Error(SECRET_TEXT);
    });
    app.get('/throw-string', () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- libraries do this
      throw SECRET_TEXT;
    });
    app.get('/library-4xx', () => {
      throw Object.assign(new Error(SECRET_TEXT), { status: 409, expose: true });
    });
    app.get('/library-5xx', () => {
      throw Object.assign(new Error(SECRET_TEXT), { statusCode: 503 });
    });
    app.get('/unauthorized', () => {
      throw Problems.unauthorized();
    });
    app.get('/rate-limited', () => {
      throw Problems.tooManyRequests(30, { 'RateLimit-Limit': '5', 'RateLimit-Remaining': '0' });
    });
    app.get('/forbidden-with-cause', () => {
      throw new AppError(403, 'forbidden', 'Insufficient permissions', {
        cause: new Error(SECRET_TEXT),
      });
    });
  });
}

const LEAKS = [/hunter2/, /\/srv\//, /\.ts\b/, /\bat\s+\S+\s+\(/, /stack/i, /TypeError/, /Error:/];

describe('the central error handler', () => {
  it.each(['/boom', '/boom-async', '/throw-string'])(
    'when %s fails unexpectedly, answers the generic 500 problem with no stack, path or message',
    async (path) => {
      const { app } = failingApp();

      const res = await request(app).get(path);

      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json(;|$)/);
      expect(res.body).toEqual({
        type: 'https://secure-api.dev/problems/internal',
        title: 'Internal Server Error',
        status: 500,
        detail: 'An unexpected error occurred',
        instance: path,
        request_id: res.headers['x-request-id'],
      });
      for (const leak of LEAKS) expect(res.text).not.toMatch(leak);
    },
  );

  it('logs the unexpected error in full, with the request id, and counts it in the metrics', async () => {
    const { app, log, metrics } = failingApp();

    const res = await request(app).get('/boom');

    const line = log.lines().find((entry) => entry.msg === 'unexpected error');
    expect(line).toMatchObject({
      level: 'error',
      method: 'GET',
      path: '/boom',
      request_id: res.headers['x-request-id'],
      err: { type: 'TypeError', message: SECRET_TEXT },
    });
    expect(JSON.stringify(line)).toContain('"stack"');
    expect((await metrics.unexpectedErrors.get()).values[0]?.value).toBe(1);
  });

  it('when a library error carries a 4xx status, answers that status with a generic detail', async () => {
    const { app } = failingApp();

    const res = await request(app).get('/library-4xx');

    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      type: 'https://secure-api.dev/problems/client-error',
      title: 'Conflict',
      detail: 'The request could not be processed',
    });
    for (const leak of LEAKS) expect(res.text).not.toMatch(leak);
  });

  it('when a library error carries a 5xx status, answers the generic 500', async () => {
    const { app } = failingApp();

    const res = await request(app).get('/library-5xx');

    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ detail: 'An unexpected error occurred' });
    expect(res.text).not.toContain('hunter2');
  });

  it('sets the AppError headers: WWW-Authenticate on 401', async () => {
    const { app } = failingApp();

    const res = await request(app).get('/unauthorized');

    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json(;|$)/);
    expect(res.body).toEqual({
      type: 'https://secure-api.dev/problems/unauthorized',
      title: 'Unauthorized',
      status: 401,
      detail: 'Invalid or expired token',
      instance: '/unauthorized',
      request_id: res.headers['x-request-id'],
    });
  });

  it('sets Retry-After and RateLimit-* on 429', async () => {
    const { app } = failingApp();

    const res = await request(app).get('/rate-limited');

    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('30');
    expect(res.headers['ratelimit-limit']).toBe('5');
    expect(res.headers['ratelimit-remaining']).toBe('0');
    expect(res.body).toMatchObject({ detail: 'Too many requests, retry later' });
  });

  it('never shows an AppError cause, and does not log an expected AppError as unexpected', async () => {
    const { app, log, metrics } = failingApp();

    const res = await request(app).get('/forbidden-with-cause');

    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ title: 'Forbidden', detail: 'Insufficient permissions' });
    expect(res.text).not.toContain('hunter2');
    expect(log.lines().filter((entry) => entry.level === 'error')).toEqual([]);
    expect((await metrics.unexpectedErrors.get()).values[0]?.value ?? 0).toBe(0);
  });

  it('answers an unknown route with a 404 problem that still carries the security headers', async () => {
    const { app } = failingApp();

    const res = await request(app).get('/no/such/route');

    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      type: 'https://secure-api.dev/problems/not-found',
      title: 'Not Found',
      status: 404,
      detail: 'The requested resource was not found',
      instance: '/no/such/route',
      request_id: res.headers['x-request-id'],
    });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('caps the echoed instance path at 200 characters', async () => {
    const { app } = failingApp();

    const res = await request(app).get(`/${'a'.repeat(500)}`);

    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ instance: `/${'a'.repeat(199)}` });
  });

  it('works on a plain express app too, and does not answer twice once headers are out', async () => {
    const log = captureLogger('shared-test');
    const app = express();
    app.use(requestContext());
    app.get('/half-sent', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('partial');
      throw new Error(SECRET_TEXT);
    });
    app.use(errorHandler({ logger: log.logger }));

    const outcome = await request(app)
      .get('/half-sent')
      .then(
        (res) => res.text,
        (error: unknown) => (error instanceof Error ? error.message : 'failed'),
      );

    expect(outcome).not.toContain('An unexpected error occurred');
    expect(outcome).not.toContain('hunter2');
    expect(log.lines().filter((entry) => entry.msg === 'unexpected error')).toHaveLength(1);
  });
});

describe('toAppError()', () => {
  it.each([
    [{ type: 'entity.too.large', limit: 1024 }, 413, 'Request body exceeds the 1024-byte limit'],
    [{ type: 'entity.parse.failed', status: 400 }, 400, 'Request body is not valid JSON'],
    [{ type: 'encoding.unsupported', status: 415 }, 415, 'Request body must be application/json'],
    [{ type: 'charset.unsupported', status: 415 }, 415, 'Request body must be application/json'],
    [{ status: 404 }, 404, 'The request could not be processed'],
    [{ status: 600 }, 500, 'An unexpected error occurred'],
    [null, 500, 'An unexpected error occurred'],
    ['a string', 500, 'An unexpected error occurred'],
  ])('maps %j to %i', (thrown, status, detail) => {
    const problem = toAppError(thrown);

    expect(problem.status).toBe(status);
    expect(problem.detail).toBe(detail);
  });

  it('returns an AppError unchanged', () => {
    const original = Problems.forbidden();

    expect(toAppError(original)).toBe(original);
  });
});
