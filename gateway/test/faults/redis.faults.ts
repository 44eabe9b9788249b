import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  bearer,
  call,
  login,
  register,
  startFaultStack,
  timeUntil,
  type Account,
  type FaultStack,
} from './support/stack.js';

async function fallbackDecisions(adminUrl: string): Promise<number> {
  const metrics = await call(`${adminUrl}/metrics`);
  return metrics.body
    .split('\n')
    .filter((line) => line.startsWith('gateway_rate_limit_fallback_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe('Redis cut between every service and Redis', () => {
  let stack: FaultStack;
  let account: Account;
  let token: string;

  beforeAll(async () => {
    stack = await startFaultStack('fault_redis');
    account = await register(stack.gateway.url);
    token = await login(stack.gateway.url, account);
  });

  afterAll(async () => {
    await stack.close();
  });

  const me = () => call(`${stack.gateway.url}/api/v1/users/me`, bearer(token));
  const jwks = () => call(`${stack.gateway.url}/.well-known/jwks.json`);
  const ready = () => call(`${stack.gateway.adminUrl}/health/ready`);

  it('fails bearer routes closed with 503, keeps limiting from memory, and recovers within seconds of the restore', async () => {
    expect((await me()).status).toBe(200);
    const decisionsBefore = await fallbackDecisions(stack.gateway.adminUrl);

    stack.lines.redis.cut();

    expect(await timeUntil(async () => (await me()).status === 503, 5000)).toBeGreaterThanOrEqual(
      0,
    );
    const answers = [];
    for (let i = 0; i < 5; i += 1) {
      answers.push(await me(), await jwks());
      answers.push(
        await call(`${stack.gateway.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: account.email, password: account.password }),
        }),
      );
    }
    const meAnswers = answers.filter((_a, i) => i % 3 === 0);
    expect(meAnswers.map((a) => a.status)).toEqual([503, 503, 503, 503, 503]);
    for (const a of meAnswers) {
      expect(a.contentType).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(a.body)).toMatchObject({ status: 503 });
    }
    // Public routes still pass the gateway: their limits are decided from memory meanwhile.
    expect(answers.filter((_a, i) => i % 3 === 1).map((a) => a.status)).toEqual([
      200, 200, 200, 200, 200,
    ]);
    expect(await fallbackDecisions(stack.gateway.adminUrl)).toBeGreaterThanOrEqual(
      decisionsBefore + 15,
    );
    // Nothing answers 500 or hangs; every refusal is a problem document.
    for (const a of answers) {
      expect(a.status).not.toBe(500);
      if (a.status >= 400) expect(a.contentType).toMatch(/^application\/problem\+json/);
    }
    expect((await call(`${stack.gateway.url}/health`)).status).toBe(200);
    expect((await ready()).status).toBe(503);

    stack.lines.redis.restore();
    const recoveredInMs = await timeUntil(async () => (await me()).status === 200, 10_000);

    expect(recoveredInMs).toBeGreaterThanOrEqual(0);
    expect(recoveredInMs).toBeLessThan(5000);
    expect(
      await timeUntil(async () => (await ready()).status === 200, 5000),
    ).toBeGreaterThanOrEqual(0);
    // Back on Redis: decisions no longer come from memory.
    const settled = await fallbackDecisions(stack.gateway.adminUrl);
    for (let i = 0; i < 5; i += 1) expect((await me()).status).toBe(200);
    expect(await fallbackDecisions(stack.gateway.adminUrl)).toBe(settled);
  });
});
