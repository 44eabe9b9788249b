import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import {
  captureLogger,
  createTestDatabase,
  TcpProxy,
  TestTokenIssuer,
  type TestDatabase,
} from '@secure-api/shared/testing';

import type { RunningUserService } from '../src/api/server.js';
import { FakeAuthService } from './support/fake-auth-service.js';
import { expectProblem, expectUserObject, Harness, unique } from './support/harness.js';

// GET /users/me reads through a prepared statement on a pooled connection, beside Sequelize's
// query path: an unreachable database must still be the 503 of every other query, never a 500.
describe('GET /api/v1/users/me when PostgreSQL is unreachable', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let issuer: TestTokenIssuer;
  let auth: FakeAuthService;
  let service: RunningUserService;
  let token: string;

  const getMe = () =>
    request(service.url).get('/api/v1/users/me').set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    db = await createTestDatabase('users_db_outage');
    proxy = await TcpProxy.forUrl(db.url).start();
    issuer = await TestTokenIssuer.start();
    auth = await FakeAuthService.start();
    const logs = captureLogger('user-service');
    service = await Harness.startService(proxy.urlFor(db.url), issuer.jwksUrl, auth.url, logs);
    const name = unique('outage');
    const created = await request(service.url)
      .post('/internal/users')
      .set('Authorization', `Bearer ${await issuer.serviceToken()}`)
      .send({ id: randomUUID(), username: name, email: `${name}@example.com`, role: 'user' });
    expect(created.status).toBe(201);
    token = await issuer.accessToken({ sub: (created.body as { id: string }).id, role: 'user' });
  });

  afterAll(async () => {
    await service.close();
    await proxy.stop();
    await auth.close();
    await issuer.close();
    await db.drop();
  });

  it('answers 503 without driver text while it is cut, and the profile again once it is back', async () => {
    const before = await getMe();
    proxy.cut();
    const during = await getMe();
    proxy.restore();
    const after = await getMe();

    expect(before.status).toBe(200);
    expectUserObject(before.body);
    expectProblem(during, 503);
    expect(JSON.stringify(during.body)).not.toMatch(/ECONNREFUSED|terminated|Sequelize|pg/i);
    expect(after.status).toBe(200);
    expect(after.body).toEqual(before.body);
  });
});
