import http from 'node:http';
import net from 'node:net';

import { expect } from '@jest/globals';

import { testUrls, uniqueName } from '@secure-api/shared/testing';

import { readConfig, type Config } from '../src/config.js';

export { closedPort } from '@secure-api/shared/testing';

/** An upstream that accepts connections and never answers: the slow-service case. */
export async function silentUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** Far above what any test sends, so only the tests about limits ever meet one. */
export const GENEROUS_LIMITS = {
  RATE_LIMIT_PER_MINUTE: '10000',
  LOGIN_RATE_LIMIT: '10000/minute',
  REGISTER_RATE_LIMIT: '10000/minute',
  REFRESH_RATE_LIMIT: '10000/minute',
};

/** A gateway for tests about something other than rate limits. */
export function gatewayConfig(env: Record<string, string>): Config {
  return gatewayConfigWithDefaultLimits({ ...GENEROUS_LIMITS, ...env });
}

/**
 * The production rate limits, counted under a Redis key prefix of this gateway's own (unless the
 * test names one, e.g. for two replicas), so parallel tests never share counters or a policy.
 */
export function gatewayConfigWithDefaultLimits(env: Record<string, string>): Config {
  return readConfig({
    NODE_ENV: 'test',
    GATEWAY_PORT: '0',
    GATEWAY_ADMIN_PORT: '0',
    CORS_ORIGINS: 'https://app.example.com',
    REDIS_URL: testUrls.redis,
    AMQP_URL: testUrls.amqp,
    REDIS_KEY_PREFIX: `${uniqueName('gateway')}:`,
    ...env,
  });
}

export interface Echo {
  upstream: string;
  method: string;
  url: string;
  headers: Record<string, string>;
}

/**
 * An upstream that answers 200 with what it received, to observe what the gateway forwards; `name`
 * tells which upstream a request reached.
 */
export function headerEchoUpstream(name = 'echo'): Promise<TestUpstream> {
  return serve(
    http.createServer((req, res) => {
      res.setHeader('Server', 'upstream/1.0');
      res.setHeader('X-Powered-By', 'upstream');
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({ upstream: name, method: req.method, url: req.url, headers: req.headers }),
      );
    }),
  );
}

/**
 * An upstream that answers 200 `{waited}` after `?delay=` milliseconds: the slow-service case. It
 * keeps idle connections a minute, so whoever closes one first is the client, and counts them.
 */
export async function slowUpstream(): Promise<TestUpstream & { connections(): number }> {
  let connections = 0;
  const server = http.createServer((req, res) => {
    const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
    req.resume();
    setTimeout(() => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ waited: delay }));
    }, delay).unref();
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', () => {
    connections += 1;
  });
  return { ...(await serve(server)), connections: () => connections };
}

export interface TestUpstream {
  url: string;
  close(): Promise<void>;
}

/** Listens on a free loopback port; close() drops open connections too. */
async function serve(server: http.Server): Promise<TestUpstream> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

interface ProblemResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** A problem+json answer from the gateway itself with this status and exact public detail. */
export function expectProblem(res: ProblemResponse, status: number, detail: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect((res.body as { detail?: unknown }).detail).toBe(detail);
  expect(res.headers['cache-control']).toBe('no-store');
}

/** The generic 401 every refused token gets, with the challenge header. */
export function expectUnauthorized(res: ProblemResponse): void {
  expectProblem(res, 401, 'Invalid or expired token');
  expect(res.headers['www-authenticate']).toBe('Bearer');
}

export function expectForbidden(res: ProblemResponse): void {
  expectProblem(res, 403, 'Insufficient permissions');
  expect(res.headers['www-authenticate']).toBeUndefined();
}

/** The claims of a compact JWT, unverified: tests read `iat`, `jti`, `sub` back from it. */
export function claimsOf(token: string): { sub: string; jti: string; iat: number } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as {
    sub: string;
    jti: string;
    iat: number;
  };
}
