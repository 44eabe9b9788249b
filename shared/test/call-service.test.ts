import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';

import {
  callService,
  runWithContext,
  ServiceCallError,
  type CallFailure,
  type ServiceTarget,
} from '@secure-api/shared/http';
import { captureLogger } from '@secure-api/shared/testing';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A callee whose answer is chosen by the path; it records what it was sent. */
async function startCallee() {
  const seen: Seen[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const send = (status: number, body: string, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body);
      };
      switch (req.url) {
        case '/item':
          send(200, JSON.stringify({ id: 7, name: 'seven', extra: 'dropped' }));
          return;
        case '/gone':
          send(404, JSON.stringify({ detail: 'not here' }));
          return;
        case '/broken':
          send(500, JSON.stringify({ detail: 'SequelizeConnectionError at /srv/index.js:1' }));
          return;
        case '/not-json':
          send(200, '<html>');
          return;
        case '/moved':
          send(302, '', { location: '/item' });
          return;
        case '/slow':
          setTimeout(() => {
            send(200, JSON.stringify({ id: 1, name: 'late' }));
          }, 500);
          return;
        default:
          send(200, JSON.stringify({ id: 'not a number' }));
      }
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    connections: () => connections,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const item = z.object({ id: z.number(), name: z.string() });

describe('callService', () => {
  let callee: Awaited<ReturnType<typeof startCallee>>;
  let target: ServiceTarget;

  beforeAll(async () => {
    callee = await startCallee();
    target = { name: 'callee', baseUrl: `${callee.url}/`, timeoutMs: 5000 };
  });

  afterAll(async () => {
    await callee.close();
  });

  const failureOf = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ServiceCallError);
    return error as ServiceCallError;
  };

  it('sends the request ids of the current request, the caller’s headers and its JSON body', async () => {
    const context = { requestId: 'request-0001', clientRequestId: 'client-0001' };

    const answer = await runWithContext(context, () =>
      callService(target, {
        method: 'POST',
        path: '/item',
        headers: { authorization: 'Bearer t', 'x-request-id': 'forged-by-the-caller' },
        json: { key: 'value' },
        expect: { 200: item },
      }),
    );

    expect(answer).toMatchObject({ status: 200, body: { id: 7, name: 'seven' } });
    const sent = callee.seen.at(-1)!;
    expect(sent).toMatchObject({ method: 'POST', url: '/item', body: '{"key":"value"}' });
    expect(sent.headers).toMatchObject({
      authorization: 'Bearer t',
      'content-type': 'application/json',
      'x-request-id': 'request-0001',
      'x-client-request-id': 'client-0001',
    });
  });

  it('returns an expected status whose body does not matter without reading it', async () => {
    const answer = await callService(target, {
      method: 'GET',
      path: '/gone',
      expect: { 200: item, 404: null },
    });

    expect(answer.status).toBe(404);
    expect(answer.body).toBeUndefined();
    // The headers come along, for what a caller passes on (Retry-After).
    expect(answer.headers.get('content-type')).toMatch(/json/);
  });

  it.each([
    ['an unexpected status', '/broken', 'status', 502],
    ['a body of another shape', '/other', 'body', 502],
    ['a body that is not JSON', '/not-json', 'body', 502],
    ['a redirect', '/moved', 'redirect', 502],
  ] as [string, string, CallFailure, number][])(
    'fails on %s (%s): a %s failure, a %d, no upstream text',
    async (_case, path, failure, status) => {
      const before = callee.seen.length;

      const error = await failureOf(
        callService(target, { method: 'GET', path, expect: { 200: item } }),
      );

      expect(error).toMatchObject({ service: 'callee', failure, status });
      expect(error.detail).not.toMatch(/Sequelize|srv|html/);
      // A redirect is never followed: the callee saw only the first request.
      expect(callee.seen.length - before).toBe(1);
    },
  );

  it('fails on no answer within the deadline as a timeout, a 504, and logs one line', async () => {
    const logs = captureLogger('shared-test');

    const error = await failureOf(
      callService(
        { ...target, timeoutMs: 100, logger: logs.logger },
        { method: 'GET', path: '/slow', expect: { 200: item } },
      ),
    );

    expect(error).toMatchObject({ failure: 'timeout', status: 504, code: 'gateway-timeout' });
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        msg: 'callee call failed',
        upstream: 'callee',
        method: 'GET',
        path: '/slow',
        failure: 'timeout',
      }),
    ]);
  });

  it('fails on a refused connection as unreachable, a 502', async () => {
    const error = await failureOf(
      callService(
        { ...target, baseUrl: 'http://127.0.0.1:9' },
        { method: 'GET', path: '/item', expect: { 200: item } },
      ),
    );

    expect(error).toMatchObject({ failure: 'unreachable', status: 502, code: 'bad-gateway' });
  });

  it('for a security dependency, fails closed: every failure is a 503 with its detail', async () => {
    const failClosed = { detail: 'A security dependency is unavailable, retry shortly' };

    const fails = (path: string, timeoutMs = target.timeoutMs) =>
      failureOf(
        callService(
          { ...target, timeoutMs, failClosed },
          { method: 'GET', path, expect: { 200: item } },
        ),
      );

    const errors = [await fails('/broken'), await fails('/slow', 100), await fails('/moved')];

    expect(errors.map((e) => [e.failure, e.status, e.detail])).toEqual([
      ['status', 503, failClosed.detail],
      ['timeout', 503, failClosed.detail],
      ['redirect', 503, failClosed.detail],
    ]);
  });

  it('keeps the connection alive from one call to the next, whatever the answer', async () => {
    const own = await startCallee();
    try {
      const to = { ...target, baseUrl: own.url };
      const call = (path: string) =>
        callService(to, { method: 'GET', path, expect: { 200: item, 404: null } });
      // Warm-up: the pool may open a second socket while the first is being handed back.
      await call('/item');
      await call('/item');
      const warm = own.connections();

      await call('/gone');
      await failureOf(call('/broken'));
      await failureOf(call('/other'));
      await call('/item');

      expect(own.connections()).toBe(warm);
    } finally {
      await own.close();
    }
  });
});
