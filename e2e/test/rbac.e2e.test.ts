import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { hasPermission, ROLES, type Permission, type Role } from '@secure-api/shared/auth';

import {
  loginAs,
  registerUser,
  startSystem,
  type System,
  type TestUser,
} from '../support/system.js';

interface RouteCase {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: (target: TestUser) => string;
  permission: Permission;
  body?: () => object;
}

// Every permission-guarded public route that exists today.
const ROUTES: RouteCase[] = [
  { method: 'get', path: () => '/api/v1/users/me', permission: 'self:read' },
  {
    method: 'put',
    path: () => '/api/v1/users/me',
    permission: 'self:write',
    body: () => ({ full_name: 'Renamed' }),
  },
  { method: 'get', path: () => '/api/v1/users?page=1&per_page=5', permission: 'users:read' },
  { method: 'get', path: (t) => `/api/v1/users/${t.id}`, permission: 'users:read' },
  {
    method: 'post',
    path: () => '/api/v1/users',
    permission: 'users:write',
    body: () => {
      const tag = randomUUID().slice(0, 8);
      return {
        username: `made_${tag}`,
        email: `made.${tag}@example.com`,
        password: `Str0ng-Pass-${tag}!`,
        role: 'viewer',
      };
    },
  },
  {
    method: 'patch',
    path: (t) => `/api/v1/users/${t.id}/role`,
    permission: 'admin:write',
    body: () => ({ role: 'viewer' }),
  },
  {
    method: 'patch',
    path: (t) => `/api/v1/users/${t.id}/status`,
    permission: 'users:write',
    body: () => ({ is_active: false }),
  },
  { method: 'delete', path: (t) => `/api/v1/users/${t.id}`, permission: 'users:delete' },
  { method: 'get', path: () => '/api/v1/admin/stats', permission: 'admin:read' },
  { method: 'get', path: () => '/api/v1/admin/audit', permission: 'admin:read' },
  { method: 'get', path: () => '/api/v1/admin/config', permission: 'admin:read' },
  {
    method: 'delete',
    path: (t) => `/api/v1/admin/users/${t.id}/sessions`,
    permission: 'admin:write',
  },
  {
    method: 'delete',
    path: (t) => `/api/v1/admin/users/${t.id}/2fa`,
    permission: 'admin:write',
  },
];

describe('RBAC matrix (4 roles x every guarded route) through the gateway', () => {
  let system: System;
  const actors = new Map<Role, string>();

  beforeAll(async () => {
    system = await startSystem('rbac');
    for (const role of ROLES) actors.set(role, (await system.userWithRole(role)).accessToken);
  });

  afterAll(async () => {
    await system.close();
  });

  const cases = ROLES.flatMap((role) =>
    ROUTES.map((route) => {
      const shape = route.path({ id: '{id}', username: '', email: '', password: '' });
      return [role, `${route.method.toUpperCase()} ${shape}`, route] as const;
    }),
  );

  it.each(cases)('%s: %s', async (role, _name, route) => {
    const target = await registerUser(system.gateway);
    const path = route.path(target);
    const agent = request(system.gateway);
    const call = agent[route.method](path).set('Authorization', `Bearer ${actors.get(role) ?? ''}`);
    const res = await (route.body ? call.send(route.body()) : call);

    if (hasPermission(role, route.permission)) {
      expect([401, 403]).not.toContain(res.status);
      expect(res.status).toBeLessThan(500 + (path.startsWith('/api/v1/admin/') ? 100 : 0));
    } else {
      expect(res.status).toBe(403);
      expect((res.body as { detail: string }).detail).toBe('Insufficient permissions');
    }
  });
});

describe('RBAC rules beyond the matrix', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('rbac_rules');
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);

  it('after a role change the old token loses its permissions at once', async () => {
    const admin = await system.userWithRole('admin');
    const target = await system.userWithRole('moderator');
    expect(
      (await api().get('/api/v1/users').set('Authorization', `Bearer ${target.accessToken}`))
        .status,
    ).toBe(200);

    const change = await api()
      .patch(`/api/v1/users/${target.id}/role`)
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ role: 'user' });

    expect(change.status).toBe(200);
    expect(
      (await api().get('/api/v1/users').set('Authorization', `Bearer ${target.accessToken}`))
        .status,
    ).toBe(401);
    const again = await loginAs(system.gateway, target);
    expect(
      (await api().get('/api/v1/users').set('Authorization', `Bearer ${again.accessToken}`)).status,
    ).toBe(403);
  });

  it("a user reading another user's profile gets 403", async () => {
    const alice = await loginAs(system.gateway, await registerUser(system.gateway));
    const bob = await registerUser(system.gateway);

    const res = await api()
      .get(`/api/v1/users/${bob.id}`)
      .set('Authorization', `Bearer ${alice.accessToken}`);

    expect(res.status).toBe(403);
  });

  it.each([{ role: 'admin' }, { is_active: false }, { id: randomUUID() }])(
    'PUT /users/me with %j is 422',
    async (body) => {
      const alice = await loginAs(system.gateway, await registerUser(system.gateway));

      const res = await api()
        .put('/api/v1/users/me')
        .set('Authorization', `Bearer ${alice.accessToken}`)
        .send(body);

      expect(res.status).toBe(422);
    },
  );

  it('a moderator cannot create an admin or moderator, and nobody changes their own role or status', async () => {
    const moderator = await system.userWithRole('moderator');
    const admin = await system.userWithRole('admin');
    const tag = randomUUID().slice(0, 8);

    const mint = await api()
      .post('/api/v1/users')
      .set('Authorization', `Bearer ${moderator.accessToken}`)
      .send({
        username: `boss_${tag}`,
        email: `boss.${tag}@example.com`,
        password: `Str0ng-Pass-${tag}!`,
        role: 'admin',
      });
    const ownRole = await api()
      .patch(`/api/v1/users/${admin.id}/role`)
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ role: 'user' });
    const ownStatus = await api()
      .patch(`/api/v1/users/${moderator.id}/status`)
      .set('Authorization', `Bearer ${moderator.accessToken}`)
      .send({ is_active: false });

    expect([mint.status, ownRole.status, ownStatus.status]).toEqual([403, 403, 403]);
  });

  it('deactivation and deletion revoke at once; a deleted user cannot log in', async () => {
    const admin = await system.userWithRole('admin');
    const victim = await registerUser(system.gateway);
    const session = await loginAs(system.gateway, victim);
    const deactivated = await registerUser(system.gateway);
    const deactivatedSession = await loginAs(system.gateway, deactivated);

    const status = await api()
      .patch(`/api/v1/users/${deactivated.id}/status`)
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ is_active: false });
    const del = await api()
      .delete(`/api/v1/users/${victim.id}`)
      .set('Authorization', `Bearer ${admin.accessToken}`);

    expect(status.status).toBe(200);
    expect(del.status).toBe(204);
    expect(
      (
        await api()
          .get('/api/v1/users/me')
          .set('Authorization', `Bearer ${deactivatedSession.accessToken}`)
      ).status,
    ).toBe(401);
    expect(
      (await api().get('/api/v1/users/me').set('Authorization', `Bearer ${session.accessToken}`))
        .status,
    ).toBe(401);
    expect(
      (await api().post('/api/v1/auth/refresh').set('Cookie', session.refreshCookie)).status,
    ).toBe(401);
    for (const gone of [victim, deactivated]) {
      const login = await api()
        .post('/api/v1/auth/login')
        .send({ email: gone.email, password: gone.password });
      expect(login.status).toBe(401);
      expect((login.body as { detail: string }).detail).toBe('Invalid email or password');
    }
    const self = await api()
      .delete(`/api/v1/users/${admin.id}`)
      .set('Authorization', `Bearer ${admin.accessToken}`);
    expect(self.status).toBe(403);
  });
});
