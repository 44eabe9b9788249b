import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { testUrls, TestTokenIssuer, uniqueName } from '@secure-api/shared/testing';

import { closedPort, GENEROUS_LIMITS } from '../helpers.js';
import {
  ensureBuilt,
  spawnService,
  stopService,
  waitUntilUp,
  type ServiceProcess,
} from './support/processes.js';

const UPSTREAM_DELAY_MS = 1500;

/** An upstream that takes its time, so requests are still in flight when the signal arrives. */
async function slowUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.end('{"slow":true}');
    }, UPSTREAM_DELAY_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

interface Outcome {
  sentAt: number;
  status?: number;
  error?: string;
}

/** One request on its own connection (no keep-alive), so "new request" means "new connection". */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Outcome> {
  const sentAt = Date.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve({ sentAt, status: res.statusCode ?? 0 });
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error('hung')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      resolve({ sentAt, error: error.code ?? error.message });
    });
  });
}

describe('SIGTERM to a built gateway under load', () => {
  let issuer: TestTokenIssuer;
  let upstream: Awaited<ReturnType<typeof slowUpstream>>;
  let gateway: ServiceProcess;
  let port: number;
  let adminPort: number;

  beforeAll(async () => {
    ensureBuilt();
    issuer = await TestTokenIssuer.start();
    upstream = await slowUpstream();
    [port, adminPort] = [await closedPort(), await closedPort()];
    gateway = spawnService('gateway', {
      NODE_ENV: 'test',
      GATEWAY_PORT: String(port),
      GATEWAY_ADMIN_PORT: String(adminPort),
      AUTH_SERVICE_URL: upstream.url,
      USER_SERVICE_URL: upstream.url,
      AUDIT_SERVICE_URL: upstream.url,
      AUTH_JWKS_URL: issuer.jwksUrl,
      REDIS_URL: testUrls.redis,
      REDIS_KEY_PREFIX: `${uniqueName('sigterm')}:`,
      ...GENEROUS_LIMITS,
    });
    await waitUntilUp(`http://127.0.0.1:${adminPort}/health/ready`, gateway);
  });

  afterAll(async () => {
    await stopService(gateway);
    await upstream.close();
    await issuer.close();
  });

  it('finishes every request in flight, refuses new connections, and exits 0 well within its timeout', async () => {
    const headers = { authorization: `Bearer ${await issuer.accessToken({ role: 'user' })}` };
    expect((await get(port, '/api/v1/users/me', headers)).status).toBe(200);

    // Load: 8 clients sending back to back until the gateway turns them away.
    let stopLoad = false;
    const outcomes: Outcome[] = [];
    // Staggered, so that whenever the signal comes some requests are mid-way.
    const client = async (i: number) => {
      await new Promise((resolve) => setTimeout(resolve, (i * UPSTREAM_DELAY_MS) / 8));
      while (!stopLoad) {
        const outcome = await get(port, '/api/v1/users/me', headers);
        outcomes.push(outcome);
        if (outcome.error) await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const clients = Array.from({ length: 8 }, (_c, i) => client(i));
    await new Promise((resolve) => setTimeout(resolve, 2 * UPSTREAM_DELAY_MS));

    const signalledAt = Date.now();
    gateway.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const drainingReadiness = await get(adminPort, '/health/ready');
    const late = await get(port, '/health');
    const { code } = await gateway.exited;
    const exitedAfterMs = Date.now() - signalledAt;
    stopLoad = true;
    await Promise.all(clients);

    const before = outcomes.filter((o) => o.sentAt < signalledAt - 50);
    const after = outcomes.filter((o) => o.sentAt > signalledAt + 50);
    // Everything sent before the signal was answered in full, by the upstream.
    expect(before.length).toBeGreaterThanOrEqual(8);
    expect(before.every((o) => o.status === 200)).toBe(true);
    // Nothing sent after it was accepted: refused at connect (or reset from the closed backlog).
    expect(after.length).toBeGreaterThan(0);
    for (const o of [...after, late]) expect(['ECONNREFUSED', 'ECONNRESET']).toContain(o.error);
    // And nothing, at any moment, hung or got an error status from the gateway itself.
    expect(outcomes.filter((o) => o.error === 'hung' || (o.status ?? 0) >= 500)).toEqual([]);
    expect(drainingReadiness).toMatchObject({ status: 503 });
    expect(code).toBe(0);
    // It waited for the requests in flight (up to UPSTREAM_DELAY_MS), not for the forced exit (15 s).
    expect(exitedAfterMs).toBeGreaterThan(UPSTREAM_DELAY_MS / 4);
    expect(exitedAfterMs).toBeLessThan(UPSTREAM_DELAY_MS + 3000);
    expect(gateway.output()).toMatch(/"msg":"stopped"/);
  });
});
