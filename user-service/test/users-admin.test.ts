import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import type { RunningUserService } from '../src/api/server.js';
import {
  expectProblem,
  expectUserObject,
  fieldErrors,
  Harness,
  type Member,
  type TestUser,
} from './support/harness.js';

interface Listing {
  users: TestUser[];
  total: number;
  page: number;
  per_page: number;
  pages: number;
}

describe('user administration', () => {
  let h: Harness;
  let admin: Member;

  beforeAll(async () => {
    h = await Harness.start('users_admin');
    admin = await h.member('admin');
  });

  afterAll(async () => {
    await h.close();
  });

  const as = (member: Member) => ({
    get: (path: string) => request(h.url).get(path).set('Authorization', `Bearer ${member.token}`),
    patch: (path: string, body: object) =>
      request(h.url).patch(path).set('Authorization', `Bearer ${member.token}`).send(body),
    delete: (path: string) =>
      request(h.url).delete(path).set('Authorization', `Bearer ${member.token}`),
  });

  describe('GET /api/v1/users', () => {
    it('defaults to page 1 of 20 and returns only user objects', async () => {
      await h.member('user');

      const res = await as(admin).get('/api/v1/users');

      expect(res.status).toBe(200);
      const body = res.body as Listing;
      expect(Object.keys(body).sort()).toEqual(['page', 'pages', 'per_page', 'total', 'users']);
      expect(body.page).toBe(1);
      expect(body.per_page).toBe(20);
      expect(body.pages).toBe(Math.ceil(body.total / 20));
      expect(body.users.length).toBe(Math.min(body.total, 20));
      for (const user of body.users) expectUserObject(user);
    });

    it('pages through every user once, ordered by created_at then id', async () => {
      const mine = [];
      for (let i = 0; i < 3; i += 1) mine.push((await h.member('viewer')).user.id);

      const first = (await as(admin).get('/api/v1/users?per_page=2')).body as Listing;
      const seen: TestUser[] = [];
      for (let page = 1; page <= first.pages; page += 1) {
        const res = await as(admin).get(`/api/v1/users?page=${page}&per_page=2`);
        expect(res.status).toBe(200);
        const body = res.body as Listing;
        expect(body).toMatchObject({ page, per_page: 2, total: first.total, pages: first.pages });
        expect(body.users.length).toBe(page < first.pages ? 2 : first.total - 2 * (page - 1));
        seen.push(...body.users);
      }

      expect(first.pages).toBe(Math.ceil(first.total / 2));
      expect(new Set(seen.map((u) => u.id)).size).toBe(first.total);
      const order = seen.map((u) => [u.created_at, u.id].join(' '));
      expect(order).toEqual([...order].sort());
      const positions = mine.map((id) => seen.findIndex((u) => u.id === id));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(positions.every((p) => p >= 0)).toBe(true);
    });

    it('past the last page, returns an empty list with the totals', async () => {
      const res = await as(admin).get('/api/v1/users?page=100000&per_page=100');

      expect(res.status).toBe(200);
      expect((res.body as Listing).users).toEqual([]);
    });

    it.each([
      ['page=0', 'query.page'],
      ['page=-1', 'query.page'],
      ['page=abc', 'query.page'],
      ['page=1.5', 'query.page'],
      ['page=', 'query.page'],
      ['per_page=0', 'query.per_page'],
      ['per_page=101', 'query.per_page'],
      ['per_page=1e2', 'query.per_page'],
      ['sort=email', 'query.sort'],
    ])('?%s is a 422 naming %s', async (query, field) => {
      const res = await as(admin).get(`/api/v1/users?${query}`);

      expectProblem(res, 422);
      expect(fieldErrors(res)).toEqual([field]);
    });

    it('accepts the per_page bounds 1 and 100', async () => {
      const one = await as(admin).get('/api/v1/users?per_page=1');
      const hundred = await as(admin).get('/api/v1/users?per_page=100');

      expect(one.status).toBe(200);
      expect((one.body as Listing).users).toHaveLength(1);
      expect(hundred.status).toBe(200);
    });
  });

  describe('GET /api/v1/users/:id', () => {
    it('returns the user object', async () => {
      const { user } = await h.member('user');
      const moderator = await h.member('moderator');

      const res = await as(moderator).get(`/api/v1/users/${user.id}`);

      expect(res.status).toBe(200);
      expectUserObject(res.body);
      expect(res.body).toEqual(user);
    });

    it('an unknown id is a 404 problem', async () => {
      expectProblem(await as(admin).get(`/api/v1/users/${randomUUID()}`), 404, 'User not found');
    });

    it.each(['not-a-uuid', '1', "1' OR '1'='1", '00000000-0000-0000-0000-00000000000g'])(
      'a malformed id (%s) is a 422, not a 500',
      async (id) => {
        const res = await as(admin).get(`/api/v1/users/${encodeURIComponent(id)}`);

        expectProblem(res, 422);
        expect(fieldErrors(res)).toEqual(['params.id']);
      },
    );
  });

  describe('PATCH /api/v1/users/:id/role', () => {
    it('sets the role and revokes the user’s existing tokens', async () => {
      const { user } = await h.member('user');

      const res = await as(admin).patch(`/api/v1/users/${user.id}/role`, { role: 'moderator' });

      expect(res.status).toBe(200);
      expectUserObject(res.body);
      expect(res.body).toEqual({ ...user, role: 'moderator' });
      const mark = await h.revokedBefore(user.id);
      expect(Number(mark)).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
      expect((await as(admin).get(`/api/v1/users/${user.id}`)).body).toMatchObject({
        role: 'moderator',
      });
    });

    it('nobody changes their own role', async () => {
      const self = await h.member('admin');

      const res = await as(self).patch(`/api/v1/users/${self.user.id}/role`, { role: 'user' });

      expectProblem(res, 403, 'You cannot change your own role');
      expect(await h.revokedBefore(self.user.id)).toBeNull();
      expect((await as(admin).get(`/api/v1/users/${self.user.id}`)).body).toEqual(self.user);
    });

    it.each([
      [{ role: 'superadmin' }, 'role'],
      [{}, 'role'],
      [{ role: 'user', is_active: false }, 'is_active'],
    ])('%j is a 422', async (body, field) => {
      const { user } = await h.member('user');

      const res = await as(admin).patch(`/api/v1/users/${user.id}/role`, body);

      expectProblem(res, 422);
      expect(fieldErrors(res)).toEqual([field]);
      expect(await h.revokedBefore(user.id)).toBeNull();
    });

    it('an unknown user is a 404', async () => {
      const res = await as(admin).patch(`/api/v1/users/${randomUUID()}/role`, { role: 'user' });

      expectProblem(res, 404, 'User not found');
    });
  });

  describe('PATCH /api/v1/users/:id/status', () => {
    it('deactivation revokes the user’s tokens; reactivation works', async () => {
      const { user } = await h.member('user');

      const off = await as(admin).patch(`/api/v1/users/${user.id}/status`, { is_active: false });

      expect(off.status).toBe(200);
      expectUserObject(off.body);
      expect(off.body).toEqual({ ...user, is_active: false });
      expect(await h.revokedBefore(user.id)).not.toBeNull();

      const on = await as(admin).patch(`/api/v1/users/${user.id}/status`, { is_active: true });
      expect(on.status).toBe(200);
      expect(on.body).toEqual(user);
    });

    it('deactivation and reactivation each ask auth-service, with the caller’s bearer, to end every session', async () => {
      const { user } = await h.member('user');
      const endSessions = `/internal/credentials/${user.id}/sessions/end`;

      await as(admin).patch(`/api/v1/users/${user.id}/status`, { is_active: false });
      await as(admin).patch(`/api/v1/users/${user.id}/status`, { is_active: true });
      await as(admin).patch(`/api/v1/users/${user.id}/status`, { is_active: true });

      const calls = h.auth.callsFor(endSessions);
      expect(calls).toHaveLength(2);
      for (const call of calls) {
        expect(call).toMatchObject({ method: 'POST', authorization: `Bearer ${admin.token}` });
      }
    });

    it('nobody changes their own status', async () => {
      const self = await h.member('moderator');

      const res = await as(self).patch(`/api/v1/users/${self.user.id}/status`, {
        is_active: false,
      });

      expectProblem(res, 403, 'You cannot change your own status');
      expect(await h.revokedBefore(self.user.id)).toBeNull();
    });

    it.each(['admin', 'moderator'] as const)('a moderator cannot deactivate a %s', async (role) => {
      const moderator = await h.member('moderator');
      const { user } = await h.member(role);

      const res = await as(moderator).patch(`/api/v1/users/${user.id}/status`, {
        is_active: false,
      });

      expectProblem(res, 403, 'Insufficient permissions');
      expect(await h.revokedBefore(user.id)).toBeNull();
      expect((await as(admin).get(`/api/v1/users/${user.id}`)).body).toEqual(user);
    });

    it.each(['user', 'viewer'] as const)('a moderator can deactivate a %s', async (role) => {
      const moderator = await h.member('moderator');
      const { user } = await h.member(role);

      const res = await as(moderator).patch(`/api/v1/users/${user.id}/status`, {
        is_active: false,
      });

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ...user, is_active: false });
      expect(await h.revokedBefore(user.id)).not.toBeNull();
    });

    it.each([[{ is_active: 'false' }], [{ is_active: 0 }], [{}]])('%j is a 422', async (body) => {
      const { user } = await h.member('user');

      const res = await as(admin).patch(`/api/v1/users/${user.id}/status`, body);

      expectProblem(res, 422);
      expect(fieldErrors(res)).toEqual(['is_active']);
    });

    describe('when auth-service, which ends the sessions, is unreachable', () => {
      let cut: RunningUserService;

      beforeAll(async () => {
        cut = await h.startWithoutAuthService();
      });

      afterAll(async () => {
        await cut.close();
      });

      it('deactivation answers 502, revokes nothing and leaves the account active', async () => {
        const { user } = await h.member('user');

        const res = await request(cut.url)
          .patch(`/api/v1/users/${user.id}/status`)
          .set('Authorization', `Bearer ${admin.token}`)
          .send({ is_active: false });

        expectProblem(res, 502, 'The upstream service is unavailable');
        expect(await h.revokedBefore(user.id)).toBeNull();
        expect((await as(admin).get(`/api/v1/users/${user.id}`)).body).toEqual(user);
      });
    });
  });

  describe('a token minted while a change is in flight', () => {
    // A refresh racing a change reads the profile as it was, and gets an `iat` equal to the
    // revocation mark the change has just set (auth-service never issues before a mark). The
    // mark is set a few seconds ahead here, so the change's first revocation lands on it for sure.
    it.each([
      [
        'a role change',
        (id: string) => as(admin).patch(`/api/v1/users/${id}/role`, { role: 'viewer' }),
      ],
      [
        'a deactivation',
        (id: string) => as(admin).patch(`/api/v1/users/${id}/status`, { is_active: false }),
      ],
      ['a deletion', (id: string) => as(admin).delete(`/api/v1/users/${id}`)],
    ])(
      'carrying the first revocation mark of %s is refused once the change commits',
      async (_change, change) => {
        const { user } = await h.member('user');
        const mark = Math.floor(Date.now() / 1000) + 5;
        await h.redis.set(`revoked-before:${user.id}`, String(mark), 'EX', 60);
        const racer = await h.issuer.accessToken({ sub: user.id, role: 'user', issuedAt: mark });

        expect((await change(user.id)).status).toBeLessThan(300);

        const res = await request(h.url)
          .get('/api/v1/users/me')
          .set('Authorization', `Bearer ${racer}`);
        expectProblem(res, 401, 'Invalid or expired token');
        expect(Number(await h.revokedBefore(user.id))).toBeGreaterThan(mark);
      },
    );
  });

  describe('DELETE /api/v1/users/:id', () => {
    it('deletes credentials at auth-service with the caller’s bearer, revokes tokens, then the profile', async () => {
      const { user } = await h.member('user');

      const res = await as(admin).delete(`/api/v1/users/${user.id}`);

      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      const calls = h.auth.callsFor(`/internal/credentials/${user.id}`);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ method: 'DELETE', authorization: `Bearer ${admin.token}` });
      expect(await h.revokedBefore(user.id)).not.toBeNull();
      expectProblem(await as(admin).get(`/api/v1/users/${user.id}`), 404, 'User not found');
    });

    it('nobody deletes their own account', async () => {
      const self = await h.member('admin');

      const res = await as(self).delete(`/api/v1/users/${self.user.id}`);

      expectProblem(res, 403, 'You cannot delete your own account');
      expect(h.auth.callsFor(`/internal/credentials/${self.user.id}`)).toHaveLength(0);
      expect((await as(admin).get(`/api/v1/users/${self.user.id}`)).status).toBe(200);
    });

    it('an unknown user is a 404 and auth-service is not asked', async () => {
      const id = randomUUID();

      expectProblem(await as(admin).delete(`/api/v1/users/${id}`), 404, 'User not found');
      expect(h.auth.callsFor(`/internal/credentials/${id}`)).toHaveLength(0);
    });

    it('a malformed id is a 422', async () => {
      const res = await as(admin).delete('/api/v1/users/me');

      expectProblem(res, 422);
      expect(fieldErrors(res)).toEqual(['params.id']);
    });

    describe('when auth-service is unreachable', () => {
      let cut: RunningUserService;

      beforeAll(async () => {
        cut = await h.startWithoutAuthService();
      });

      afterAll(async () => {
        await cut.close();
      });

      it('answers 502, revokes nothing and keeps the profile', async () => {
        const { user } = await h.member('user');

        const res = await request(cut.url)
          .delete(`/api/v1/users/${user.id}`)
          .set('Authorization', `Bearer ${admin.token}`);

        expectProblem(res, 502, 'The upstream service is unavailable');
        expect(await h.revokedBefore(user.id)).toBeNull();
        expect((await as(admin).get(`/api/v1/users/${user.id}`)).body).toEqual(user);
      });
    });
  });
});
