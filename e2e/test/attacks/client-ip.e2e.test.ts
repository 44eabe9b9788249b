import http from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';

import { registerUser, rememberSecret, startSystem, type System } from '../../support/system.js';

/** A login sent straight to a service port from another address than the gateway's (127.0.0.2). */
function directLogin(
  serviceUrl: string,
  body: { email: string; password: string },
  headers: Record<string, string>,
): Promise<number> {
  const url = new URL('/api/v1/auth/login', serviceUrl);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        localAddress: '127.0.0.2',
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function query<T>(databaseUrl: string, sql: string, values: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('client addresses at auth-service', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('attack_ip', {
      // The gateway believes its TLS front (here: 127.0.0.1); auth-service believes the gateway.
      gateway: { TRUSTED_PROXIES: '127.0.0.1/32' },
      auth: { LOGIN_FAILURES_PER_IP_PER_DAY: '4' },
    });
  });

  afterAll(async () => {
    await system.close();
  });

  it('a direct login with a forged X-Forwarded-For is recorded under the caller’s own address', async () => {
    const user = await registerUser(system.gateway);

    const status = await directLogin(
      system.auth,
      { email: user.email, password: user.password },
      { 'x-forwarded-for': '203.0.113.77, 10.0.0.1' },
    );

    expect(status).toBe(200);
    const sessions = await query<{ ip: string }>(
      system.authDatabaseUrl,
      'SELECT ip FROM sessions WHERE user_id = $1',
      [user.id],
    );
    expect(sessions).toEqual([{ ip: '127.0.0.2' }]);
    const events = await query<{ ip: string }>(
      system.authDatabaseUrl,
      `SELECT payload->'actor'->>'ip' AS ip FROM outbox_events
        WHERE type = 'auth.login.succeeded' AND payload->'subject'->>'user_id' = $1`,
      [user.id],
    );
    expect(events).toEqual([{ ip: '127.0.0.2' }]);
  });

  it('through the gateway, the address the gateway decided on is the one recorded', async () => {
    const user = await registerUser(system.gateway);

    const res = await request(system.gateway)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', '198.51.100.23')
      .send({ email: user.email, password: user.password });

    expect(res.status).toBe(200);
    const sessions = await query<{ ip: string }>(
      system.authDatabaseUrl,
      'SELECT ip FROM sessions WHERE user_id = $1',
      [user.id],
    );
    expect(sessions).toEqual([{ ip: '198.51.100.23' }]);
  });

  it('counts failed logins from one IPv6 /64 together, as the gateway counts its limits', async () => {
    // Four failures a day per client: one host rotating through its /64 is still one client.
    const statuses: number[] = [];
    for (const host of ['a', 'b', 'c', 'd', 'e']) {
      const password = `Wrong-Pass-${host}-123!`;
      rememberSecret(password);
      const res = await request(system.gateway)
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', `2001:db8:77:1::${host}`)
        .send({ email: `nobody.${host}.${Date.now()}@example.com`, password });
      statuses.push(res.status);
    }
    const elsewhere = await request(system.gateway)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', '2001:db8:77:2::a')
      .send({ email: `nobody.f.${Date.now()}@example.com`, password: 'Wrong-Pass-f-123!' });

    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    expect(elsewhere.status).toBe(401);
  });
});
