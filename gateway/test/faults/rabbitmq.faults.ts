import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';

import { call, startFaultStack, timeUntil, type FaultStack } from './support/stack.js';

const CUT_MS = 20_000;

interface Action {
  requestId: string;
  /** The security event this action must leave in the audit store, exactly once. */
  expectedType: string;
  status: number;
}

describe('RabbitMQ cut for 20 s between every service and the broker, under traffic', () => {
  let stack: FaultStack;
  let audit: pg.Client;

  beforeAll(async () => {
    stack = await startFaultStack('fault_amqp', { audit: true });
    audit = new pg.Client({ connectionString: stack.databases.audit });
    await audit.connect();
  });

  afterAll(async () => {
    await audit.end();
    await stack.close();
  });

  const post = (path: string, body: unknown, requestId: string) =>
    call(`${stack.gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify(body),
    });

  /** One account registered and logged in through the gateway: two actions, two events. */
  async function registerAndLogin(run: string, n: number): Promise<Action[]> {
    const tag = `${run}-${n}`;
    const user = {
      username: `amqp_${tag.replace(/-/g, '_')}`,
      email: `amqp.${tag}@example.com`,
      password: `Str0ng-Pass-${tag}!`,
    };
    const registered = await post('/api/v1/auth/register', user, `amqp-reg-${tag}`);
    const loggedIn = await post(
      '/api/v1/auth/login',
      { email: user.email, password: user.password },
      `amqp-login-${tag}`,
    );
    return [
      {
        requestId: `amqp-reg-${tag}`,
        expectedType: 'auth.user.registered',
        status: registered.status,
      },
      {
        requestId: `amqp-login-${tag}`,
        expectedType: 'auth.login.succeeded',
        status: loggedIn.status,
      },
    ];
  }

  async function storedCounts(actions: Action[]): Promise<Map<string, number>> {
    // The id each action was sent with is the client's: the gateway keeps it as client_request_id.
    const { rows } = await audit.query<{ request_id: string; type: string; n: number }>(
      `SELECT payload->>'client_request_id' AS request_id, type, count(*)::int AS n
        FROM audit_events WHERE payload->>'client_request_id' = ANY($1)
        GROUP BY payload->>'client_request_id', type`,
      [actions.map((a) => a.requestId)],
    );
    return new Map(rows.map((r) => [`${r.request_id} ${r.type}`, r.n]));
  }

  // Needs the security-event wiring of auth-service (outbox + relay) and the audit consumer.
  it('loses no event and stores none twice: every action of the outage is in the audit chain exactly once', async () => {
    const run = randomUUID().slice(0, 8);
    const actions: Action[] = [];
    let n = 0;
    const traffic = async (untilMs: number) => {
      while (Date.now() < untilMs) {
        actions.push(...(await registerAndLogin(run, n)));
        n += 1;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    await traffic(Date.now() + 2000);
    stack.lines.amqp.cut();
    const beforeCut = actions.length;
    await traffic(Date.now() + CUT_MS);
    const duringCut = actions.slice(beforeCut);
    // The line really was cut: nothing done meanwhile has reached the audit store yet.
    expect(duringCut.length).toBeGreaterThan(20);
    expect((await storedCounts(duringCut)).size).toBe(0);
    stack.lines.amqp.restore();
    await traffic(Date.now() + 2000);

    // The broker is not needed to act: every action succeeded during the outage too.
    expect(actions.filter((a) => a.status >= 300)).toEqual([]);
    const complete = await timeUntil(async () => {
      const counts = await storedCounts(actions);
      return actions.every((a) => (counts.get(`${a.requestId} ${a.expectedType}`) ?? 0) >= 1);
    }, 60_000);
    const counts = await storedCounts(actions);
    const missing = actions.filter((a) => !counts.has(`${a.requestId} ${a.expectedType}`));
    const twice = [...counts.entries()].filter(([, k]) => k > 1);

    expect(missing).toEqual([]);
    expect(twice).toEqual([]);
    expect(complete).toBeGreaterThanOrEqual(0);
    expect(actions.length).toBeGreaterThan(40);
  });
});
