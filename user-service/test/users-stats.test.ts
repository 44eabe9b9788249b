import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { expectProblem, Harness, type Member } from './support/harness.js';

describe('GET /internal/users/stats', () => {
  let h: Harness;
  let admin: Member;

  beforeAll(async () => {
    h = await Harness.start('users_stats');
    admin = await h.member('admin');
  });

  afterAll(async () => {
    await h.close();
  });

  it('with an admin token, counts every profile by role and by active state', async () => {
    await h.member('moderator');
    await h.member('user');
    const inactive = await h.member('user');
    await h.member('viewer');
    const off = await request(h.url)
      .patch(`/api/v1/users/${inactive.user.id}/status`)
      .set('Authorization', `Bearer ${admin.token}`)
      .send({ is_active: false });
    expect(off.status).toBe(200);

    const res = await request(h.url)
      .get('/internal/users/stats')
      .set('Authorization', `Bearer ${admin.token}`);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      total: 5,
      by_role: { admin: 1, moderator: 1, user: 2, viewer: 1 },
      active: 4,
      inactive: 1,
    });
  });

  it.each(['moderator', 'user', 'viewer'] as const)('refuses a %s with 403', async (role) => {
    const caller = await h.member(role);

    const res = await request(h.url)
      .get('/internal/users/stats')
      .set('Authorization', `Bearer ${caller.token}`);

    expectProblem(res, 403, 'Insufficient permissions');
  });

  it('refuses a service token and a missing token with 401: only a user may ask', async () => {
    const service = await request(h.url)
      .get('/internal/users/stats')
      .set('Authorization', `Bearer ${await h.issuer.serviceToken()}`);
    const anonymous = await request(h.url).get('/internal/users/stats');

    expectProblem(service, 401, 'Invalid or expired token');
    expectProblem(anonymous, 401, 'Invalid or expired token');
  });

  it('refuses query parameters it does not know', async () => {
    const res = await request(h.url)
      .get('/internal/users/stats?role=admin')
      .set('Authorization', `Bearer ${admin.token}`);

    expectProblem(res, 422);
  });
});
