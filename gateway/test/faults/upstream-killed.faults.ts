import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  captureLogger,
  createTestDatabase,
  testUrls,
  TestTokenIssuer,
  type TestDatabase,
} from '@secure-api/shared/testing';

import { startServer, type RunningGateway } from '../../src/api/server.js';
import { closedPort, gatewayConfig } from '../helpers.js';
import {
  ensureBuilt,
  socketsTo,
  spawnService,
  stopService,
  waitUntilUp,
  type ServiceProcess,
} from './support/processes.js';
import { call, timeUntil, type Answer } from './support/stack.js';

describe('an upstream service killed while requests are in flight', () => {
  let issuer: TestTokenIssuer;
  let db: TestDatabase;
  let usersPort: number;
  let users: ServiceProcess | undefined;
  let gateway: RunningGateway;
  let token: string;

  const startUsers = async () => {
    const service = spawnService('user-service', {
      NODE_ENV: 'test',
      USERS_PORT: String(usersPort),
      DATABASE_URL: db.url,
      REDIS_URL: testUrls.redis,
      AUTH_JWKS_URL: issuer.jwksUrl,
      AUTH_SERVICE_URL: `http://127.0.0.1:${await closedPort()}`,
    });
    await waitUntilUp(`http://127.0.0.1:${usersPort}/health/ready`, service);
    return service;
  };

  beforeAll(async () => {
    ensureBuilt();
    issuer = await TestTokenIssuer.start();
    db = await createTestDatabase('fault_kill_users');
    usersPort = await closedPort();
    users = await startUsers();
    gateway = await startServer(
      gatewayConfig({
        AUTH_SERVICE_URL: `http://127.0.0.1:${await closedPort()}`,
        USER_SERVICE_URL: `http://127.0.0.1:${usersPort}`,
        AUDIT_SERVICE_URL: `http://127.0.0.1:${await closedPort()}`,
        AUTH_JWKS_URL: issuer.jwksUrl,
      }),
      captureLogger('gateway').logger,
    );
    token = await issuer.accessToken({ role: 'user' });
  });

  afterAll(async () => {
    await gateway.close();
    if (users) await stopService(users);
    await issuer.close();
    await db.drop();
  });

  // user-service answers this itself (the token's user has no profile): proof the request got there.
  const me = () =>
    call(`${gateway.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${token}` } });

  it('answers every in-flight request 502 at once, leaves no socket behind, and serves again when the service is back', async () => {
    const before = await me();
    expect(before.status).toBe(404);
    const service = users!;

    // Frozen, the service still holds its connections: requests sent now are truly in flight.
    service.child.kill('SIGSTOP');
    const inFlight = Array.from({ length: 10 }, () => me());
    await new Promise((resolve) => setTimeout(resolve, 500));
    const killedAt = Date.now();
    service.child.kill('SIGKILL');
    await service.exited;
    users = undefined;
    const answers: Answer[] = await Promise.all(inFlight);
    const answeredWithinMs = Date.now() - killedAt;

    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(502));
    for (const a of answers) {
      expect(a.contentType).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(a.body)).toMatchObject({
        status: 502,
        detail: 'The upstream service is unavailable',
      });
    }
    // Far sooner than UPSTREAM_TIMEOUT_MS (10 s): the reset is noticed, not waited out.
    expect(answeredWithinMs).toBeLessThan(2000);
    // Nothing is left open towards the dead port (a CLOSE_WAIT here would be a leaked socket).
    expect(
      await timeUntil(
        () => Promise.resolve(socketsTo(usersPort).every((s) => s === 'TIME_WAIT')),
        3000,
      ),
    ).toBeGreaterThanOrEqual(0);
    // While it is down: 502 straight away, never a hang.
    const refusedAt = Date.now();
    expect((await me()).status).toBe(502);
    expect(Date.now() - refusedAt).toBeLessThan(1000);

    users = await startUsers();
    expect(await timeUntil(async () => (await me()).status === 404, 5000)).toBeGreaterThanOrEqual(
      0,
    );
  });
});
