import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  bearer,
  call,
  login,
  register,
  startFaultStack,
  timeUntil,
  type Account,
  type Answer,
  type FaultStack,
} from './support/stack.js';

describe('PostgreSQL cut between auth-service / user-service and their databases', () => {
  let stack: FaultStack;
  let account: Account;
  let token: string;

  beforeAll(async () => {
    stack = await startFaultStack('fault_pg');
    account = await register(stack.gateway.url);
    token = await login(stack.gateway.url, account);
  });

  afterAll(async () => {
    await stack.close();
  });

  const gw = (path: string) => `${stack.gateway.url}${path}`;
  const me = () => call(gw('/api/v1/users/me'), bearer(token));
  const postJson = (path: string, body: unknown) =>
    call(gw(path), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const loginAgain = () =>
    postJson('/api/v1/auth/login', { email: account.email, password: account.password });
  const registerSomeone = () =>
    postJson('/api/v1/auth/register', {
      username: `pg_${Date.now()}`,
      email: `pg.${Date.now()}@example.com`,
      password: 'Str0ng-Pass-pg-cut!',
    });

  function expectDependencyProblem(answer: Answer): void {
    // 503 from the service (its database is down), relayed as is: not a 500, not a 502.
    expect(answer.status).toBe(503);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body).not.toMatch(/sequelize|postgres|ECONN|connect|stack/i);
  }

  it('turns both services not-ready and answers 503 problems (never 500), then recovers without a restart', async () => {
    expect((await me()).status).toBe(200);

    stack.lines.postgres.cut();

    for (const service of [stack.auth.url, stack.users.url]) {
      const notReady = await timeUntil(
        async () => (await call(`${service}/health/ready`)).status === 503,
        5000,
      );
      expect(notReady).toBeGreaterThanOrEqual(0);
      const body = JSON.parse((await call(`${service}/health/ready`)).body) as {
        checks: Record<string, string>;
      };
      expect(body.checks.database).toBe('down');
    }
    for (let i = 0; i < 3; i += 1) {
      expectDependencyProblem(await me());
      expectDependencyProblem(await loginAgain());
      expectDependencyProblem(await registerSomeone());
    }
    expect((await call(gw('/health'))).status).toBe(200);

    stack.lines.postgres.restore();
    const recoveredInMs = await timeUntil(async () => (await me()).status === 200, 15_000);

    expect(recoveredInMs).toBeGreaterThanOrEqual(0);
    expect((await loginAgain()).status).toBe(200);
    expect((await registerSomeone()).status).toBe(201);
    for (const service of [stack.auth.url, stack.users.url]) {
      expect((await call(`${service}/health/ready`)).status).toBe(200);
    }
  });
});
