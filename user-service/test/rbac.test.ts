import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { hasPermission, ROLES, type Permission, type Role } from '@secure-api/shared/auth';

import { expectProblem, expectUserObject, Harness, type Member } from './support/harness.js';

interface RouteCase {
  name: string;
  permission: Permission;
  /** Status when allowed. */
  ok: number;
  send(h: Harness, actor: Member, target: Member): request.Test;
}

const bearer = (actor: Member) => `Bearer ${actor.token}`;

// Every public route of this service, with a request that succeeds when the role may make it.
// Targets are `user` accounts, which every role that holds the permission may act on.
const ROUTES: RouteCase[] = [
  {
    name: 'GET /api/v1/users/me',
    permission: 'self:read',
    ok: 200,
    send: (h, actor) => request(h.url).get('/api/v1/users/me').set('Authorization', bearer(actor)),
  },
  {
    name: 'PUT /api/v1/users/me',
    permission: 'self:write',
    ok: 200,
    send: (h, actor) =>
      request(h.url)
        .put('/api/v1/users/me')
        .set('Authorization', bearer(actor))
        .send({ full_name: 'Renamed' }),
  },
  {
    name: 'GET /api/v1/users',
    permission: 'users:read',
    ok: 200,
    send: (h, actor) => request(h.url).get('/api/v1/users').set('Authorization', bearer(actor)),
  },
  {
    name: 'GET /api/v1/users/:id',
    permission: 'users:read',
    ok: 200,
    send: (h, actor, target) =>
      request(h.url).get(`/api/v1/users/${target.user.id}`).set('Authorization', bearer(actor)),
  },
  {
    name: 'PATCH /api/v1/users/:id/role',
    permission: 'admin:write',
    ok: 200,
    send: (h, actor, target) =>
      request(h.url)
        .patch(`/api/v1/users/${target.user.id}/role`)
        .set('Authorization', bearer(actor))
        .send({ role: 'viewer' }),
  },
  {
    name: 'PATCH /api/v1/users/:id/status',
    permission: 'users:write',
    ok: 200,
    send: (h, actor, target) =>
      request(h.url)
        .patch(`/api/v1/users/${target.user.id}/status`)
        .set('Authorization', bearer(actor))
        .send({ is_active: false }),
  },
  {
    name: 'DELETE /api/v1/users/:id',
    permission: 'users:delete',
    ok: 204,
    send: (h, actor, target) =>
      request(h.url).delete(`/api/v1/users/${target.user.id}`).set('Authorization', bearer(actor)),
  },
];

const CASES = ROUTES.flatMap((route) =>
  ROLES.map((role) => [route.name, role, hasPermission(role, route.permission), route] as const),
);

describe('RBAC on every public route', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start('users_rbac');
  });

  afterAll(async () => {
    await h.close();
  });

  it('the table covers 4 roles × 7 routes, and each route is denied to someone', () => {
    expect(CASES).toHaveLength(28);
    for (const route of ROUTES) {
      expect(ROLES.some((role: Role) => !hasPermission(role, route.permission))).toBe(
        route.permission !== 'self:read',
      );
    }
  });

  it.each(CASES)('%s as %s: allowed=%s', async (_name, role, allowed, route) => {
    const actor = await h.member(role);
    const target = await h.member('user');

    const res = await route.send(h, actor, target);

    if (!allowed) {
      expectProblem(res, 403, 'Insufficient permissions');
      expect(await h.revokedBefore(target.user.id)).toBeNull();
      return;
    }
    expect(res.status).toBe(route.ok);
    if (res.status === 204) {
      expect(res.text).toBe('');
    } else if ('users' in (res.body as object)) {
      for (const user of (res.body as { users: unknown[] }).users) expectUserObject(user);
    } else {
      expectUserObject(res.body);
    }
    expect(JSON.stringify(res.body)).not.toMatch(/password|hash|updated_at|secret/i);
  });
});
