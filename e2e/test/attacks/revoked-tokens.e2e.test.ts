import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { startSystem, type LoggedIn, type System, type TestUser } from '../../support/system.js';

const REFUSED = 'Invalid or expired token';

/** The exact 401 every service gives a revoked bearer, naming nothing about why. */
function expectRefused(res: request.Response): void {
  expect(res.status).toBe(401);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect((res.body as { detail?: string }).detail).toBe(REFUSED);
  expect(res.headers['www-authenticate']).toBe('Bearer');
  expect(JSON.stringify(res.body)).not.toMatch(/revoked|redis|inactive|deactivated|jti|sid/i);
}

// The services behind the gateway are reachable without it (inside the cluster, or through a
// misconfigured ingress). A token the gateway would refuse must be refused there too.
describe('attack: a revoked token sent straight to a service, past the gateway', () => {
  let system: System;
  let admin: TestUser & LoggedIn;

  beforeAll(async () => {
    system = await startSystem('attack_revoked', { audit: true });
    admin = await system.userWithRole('admin');
  });

  afterAll(async () => {
    await system.close();
  });

  const bearer = (token: string) => `Bearer ${token}`;
  const roleOf = async (id: string) =>
    (
      (
        await request(system.gateway)
          .get(`/api/v1/users/${id}`)
          .set('Authorization', bearer(admin.accessToken))
      ).body as { role: string }
    ).role;

  it('a deactivated admin’s old token cannot promote another account through user-service', async () => {
    const rogue = await system.userWithRole('admin');
    const accomplice = await system.userWithRole('user');
    const off = await request(system.gateway)
      .patch(`/api/v1/users/${rogue.id}/status`)
      .set('Authorization', bearer(admin.accessToken))
      .send({ is_active: false });
    expect(off.status).toBe(200);

    const res = await request(system.users)
      .patch(`/api/v1/users/${accomplice.id}/role`)
      .set('Authorization', bearer(rogue.accessToken))
      .send({ role: 'admin' });

    expectRefused(res);
    expect(await roleOf(accomplice.id)).toBe('user');
  });

  it('a demoted admin’s old token can neither change roles in user-service nor read audit-service', async () => {
    const demoted = await system.userWithRole('admin');
    const target = await system.userWithRole('viewer');
    const down = await request(system.gateway)
      .patch(`/api/v1/users/${demoted.id}/role`)
      .set('Authorization', bearer(admin.accessToken))
      .send({ role: 'user' });
    expect(down.status).toBe(200);

    const promote = await request(system.users)
      .patch(`/api/v1/users/${target.id}/role`)
      .set('Authorization', bearer(demoted.accessToken))
      .send({ role: 'moderator' });
    const audit = await request(system.audit!.url)
      .get('/api/v1/admin/audit?limit=5')
      .set('Authorization', bearer(demoted.accessToken));

    expectRefused(promote);
    expectRefused(audit);
    expect(await roleOf(target.id)).toBe('viewer');
  });

  it('a logged-out token is refused by user-service and audit-service alike', async () => {
    const leaving = await system.userWithRole('admin');
    const out = await request(system.gateway)
      .post('/api/v1/auth/logout')
      .set('Authorization', bearer(leaving.accessToken))
      .set('Cookie', leaving.refreshCookie);
    expect(out.status).toBe(204);

    expectRefused(
      await request(system.users)
        .get('/api/v1/users/me')
        .set('Authorization', bearer(leaving.accessToken)),
    );
    expectRefused(
      await request(system.audit!.url)
        .get('/api/v1/admin/audit/verify')
        .set('Authorization', bearer(leaving.accessToken)),
    );
  });
});
