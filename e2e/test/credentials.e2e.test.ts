import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';

import { loginAs, registerUser, startSystem, type System } from '../support/system.js';

async function storedHash(dbUrl: string, email: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const result = await client.query<{ password_hash: string }>(
      'SELECT password_hash FROM credentials WHERE email = $1',
      [email],
    );
    return result.rows[0]?.password_hash;
  } finally {
    await client.end();
  }
}

describe('stored credentials', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('credentials');
  });

  afterAll(async () => {
    await system.close();
  });

  it('stores only an Argon2id hash, and rehashes on login when the parameters change', async () => {
    const user = await registerUser(system.gateway);
    const before = await storedHash(system.authDatabaseUrl, user.email);
    expect(before).toMatch(/^\$argon2id\$v=19\$m=8192,p=1,t=2\$/);
    expect(before).not.toContain(user.password);

    await system.restartAuth({
      ARGON2_TIME_COST: '3',
      ARGON2_MEMORY_COST: '9216',
      ARGON2_PARALLELISM: '2',
    });
    await loginAs(system.gateway, user);

    const after = await storedHash(system.authDatabaseUrl, user.email);
    expect(after).toMatch(/^\$argon2id\$v=19\$m=9216,p=2,t=3\$/);
    // The rehashed credential still logs in.
    await loginAs(system.gateway, user);
  });

  it('leaves no half-created account when user-service cannot be reached', async () => {
    await system.restartAuth({ USER_SERVICE_URL: 'http://127.0.0.1:9' });
    const email = 'orphan.check@example.com';

    const res = await request(system.gateway)
      .post('/api/v1/auth/register')
      .send({ username: 'orphan_check', email, password: 'No-Orphans-Here-7' });
    await system.restartAuth({});

    expect(res.status).toBe(503);
    expect(JSON.stringify(res.body)).not.toMatch(/ECONN|fetch|127\.0\.0\.1/);
    expect(await storedHash(system.authDatabaseUrl, email)).toBeUndefined();
    // Nothing was left behind on either side: the same account registers cleanly now.
    const retry = await request(system.gateway)
      .post('/api/v1/auth/register')
      .send({ username: 'orphan_check', email, password: 'No-Orphans-Here-7' });
    expect(retry.status).toBe(201);
  });
});
