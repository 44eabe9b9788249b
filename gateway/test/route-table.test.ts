import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { hasPermission, ROLES, type Permission, type Role } from '@secure-api/shared/auth';
import { captureLogger, TestTokenIssuer } from '@secure-api/shared/testing';

import { startServer, type RunningGateway } from '../src/api/server.js';
import { PUBLIC_ROUTES } from '../src/domain/route-table.js';
import {
  expectForbidden,
  expectProblem,
  expectUnauthorized,
  gatewayConfig,
  headerEchoUpstream,
  type Echo,
} from './helpers.js';

const ID = '3f2c1a9e-8b7d-4c6e-9f10-2a3b4c5d6e7f';
const KEY_ID = 'k3y-1D';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Who = 'public' | 'optional' | 'authenticated' | Permission;
type Owner = 'auth' | 'users' | 'audit';
type Limit = 'login' | 'login-2fa' | 'register' | 'refresh' | 'password-forgot' | 'account-link';

/**
 * The public API written out a second time, on purpose independently of the gateway's own table:
 * a route added, dropped or loosened in one and not the other fails here.
 */
const CONTRACT: [Method, string, Who, Owner, Limit?][] = [
  ['GET', '/.well-known/jwks.json', 'public', 'auth'],
  ['POST', '/api/v1/auth/register', 'public', 'auth', 'register'],
  ['POST', '/api/v1/auth/login', 'public', 'auth', 'login'],
  ['POST', '/api/v1/auth/login/2fa', 'public', 'auth', 'login-2fa'],
  ['POST', '/api/v1/auth/refresh', 'public', 'auth', 'refresh'],
  ['POST', '/api/v1/auth/logout', 'optional', 'auth'],
  ['POST', '/api/v1/auth/logout-all', 'authenticated', 'auth'],
  ['POST', '/api/v1/auth/password/forgot', 'public', 'auth', 'password-forgot'],
  ['POST', '/api/v1/auth/password/reset', 'public', 'auth', 'account-link'],
  ['POST', '/api/v1/auth/email/verify', 'public', 'auth', 'account-link'],
  ['POST', '/api/v1/auth/email/verify/resend', 'authenticated', 'auth', 'account-link'],
  ['POST', '/api/v1/auth/email/change/cancel', 'public', 'auth', 'account-link'],
  ['GET', '/api/v1/auth/sessions', 'authenticated', 'auth'],
  ['DELETE', `/api/v1/auth/sessions/${ID}`, 'authenticated', 'auth'],
  ['POST', '/api/v1/users/me/change-password', 'authenticated', 'auth'],
  ['POST', '/api/v1/auth/2fa/setup', 'authenticated', 'auth'],
  ['POST', '/api/v1/auth/2fa/verify', 'authenticated', 'auth'],
  ['POST', '/api/v1/auth/2fa/disable', 'authenticated', 'auth'],
  ['POST', '/api/v1/auth/2fa/backup-codes', 'authenticated', 'auth'],
  ['GET', '/api/v1/auth/api-keys', 'authenticated', 'auth'],
  ['POST', '/api/v1/auth/api-keys', 'authenticated', 'auth'],
  ['DELETE', '/api/v1/auth/api-keys', 'authenticated', 'auth'],
  ['DELETE', `/api/v1/auth/api-keys/${KEY_ID}`, 'authenticated', 'auth'],
  ['POST', `/api/v1/auth/api-keys/${KEY_ID}/rotate`, 'authenticated', 'auth'],
  ['GET', '/api/v1/users/me', 'self:read', 'users'],
  ['PUT', '/api/v1/users/me', 'self:write', 'users'],
  ['GET', '/api/v1/users/me/settings', 'self:read', 'users'],
  ['PUT', '/api/v1/users/me/settings', 'self:write', 'users'],
  ['GET', '/api/v1/users?page=2&per_page=10', 'users:read', 'users'],
  ['POST', '/api/v1/users', 'users:write', 'auth'],
  ['GET', `/api/v1/users/${ID}`, 'users:read', 'users'],
  ['PATCH', `/api/v1/users/${ID}/role`, 'admin:write', 'users'],
  ['PATCH', `/api/v1/users/${ID}/status`, 'users:write', 'users'],
  ['DELETE', `/api/v1/users/${ID}`, 'users:delete', 'users'],
  ['GET', '/api/v1/admin/stats', 'admin:read', 'audit'],
  ['GET', '/api/v1/admin/config', 'admin:read', 'auth'],
  ['PUT', '/api/v1/admin/config', 'admin:write', 'auth'],
  ['POST', `/api/v1/admin/users/${ID}/unlock`, 'admin:write', 'auth'],
  ['DELETE', `/api/v1/admin/users/${ID}/sessions`, 'admin:write', 'auth'],
  ['DELETE', `/api/v1/admin/users/${ID}/2fa`, 'admin:write', 'auth'],
  ['POST', `/api/v1/admin/users/${ID}/password-reset`, 'admin:write', 'auth'],
  ['GET', '/api/v1/admin/audit?type=auth.login', 'admin:read', 'audit'],
  ['GET', '/api/v1/admin/audit/verify', 'admin:read', 'audit'],
  ['POST', '/api/v1/admin/audit/verify/jobs', 'admin:write', 'audit'],
  ['GET', `/api/v1/admin/audit/verify/jobs/${ID}`, 'admin:read', 'audit'],
  ['GET', '/api/v1/admin/audit/checkpoints?after_id=0', 'admin:read', 'audit'],
  ['GET', '/api/v1/admin/audit/chain?after_seq=0', 'admin:read', 'audit'],
];

function allowed(role: Role, who: Who): boolean {
  switch (who) {
    case 'public':
    case 'optional':
    case 'authenticated':
      return true;
    default:
      return hasPermission(role, who);
  }
}

describe('the route table the gateway exports', () => {
  // The CONTRACT's sample values back to the table's placeholders, its query strings dropped.
  const template = (path: string) =>
    path.split('?')[0]!.replace(ID, '{id}').replace(`/${KEY_ID}`, '/{keyId}');

  it('lists exactly the methods and paths of the contract, with the same access, owner and limit', () => {
    const table = PUBLIC_ROUTES.map(({ method, template, rule }) =>
      [method, template, rule.access, rule.upstream, rule.limit].join(' '),
    );
    const contract = CONTRACT.map(([method, path, who, owner, limit]) =>
      [method, template(path), who, owner, limit].join(' '),
    );

    expect(table.sort()).toEqual(contract.sort());
  });

  it('cannot be changed at run time', () => {
    const [first] = PUBLIC_ROUTES;

    expect(Object.isFrozen(PUBLIC_ROUTES)).toBe(true);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.rule)).toBe(true);
  });
});

describe('the route table at the gateway', () => {
  let issuer: TestTokenIssuer;
  const upstreams = new Map<Owner, Awaited<ReturnType<typeof headerEchoUpstream>>>();
  const tokens = new Map<Role, string>();
  let gateway: RunningGateway;

  beforeAll(async () => {
    issuer = await TestTokenIssuer.start();
    for (const owner of ['auth', 'users', 'audit'] as const) {
      upstreams.set(owner, await headerEchoUpstream(owner));
    }
    for (const role of ROLES) tokens.set(role, await issuer.accessToken({ role }));
    gateway = await startServer(
      gatewayConfig({
        AUTH_SERVICE_URL: upstreams.get('auth')!.url,
        USER_SERVICE_URL: upstreams.get('users')!.url,
        AUDIT_SERVICE_URL: upstreams.get('audit')!.url,
        AUTH_JWKS_URL: issuer.jwksUrl,
      }),
      captureLogger('gateway').logger,
    );
  });

  afterAll(async () => {
    await gateway.close();
    for (const upstream of upstreams.values()) await upstream.close();
    await issuer.close();
  });

  const open = (method: string, path: string) => {
    const agent = request(gateway.url);
    switch (method) {
      case 'GET':
        return agent.get(path);
      case 'HEAD':
        return agent.head(path);
      case 'POST':
        return agent.post(path);
      case 'PUT':
        return agent.put(path);
      case 'PATCH':
        return agent.patch(path);
      case 'DELETE':
        return agent.delete(path);
      default:
        throw new Error(`no helper for ${method}`);
    }
  };

  const call = (method: string, path: string, role?: Role) => {
    const req = open(method, path);
    return role === undefined ? req : req.set('Authorization', `Bearer ${tokens.get(role)!}`);
  };

  it.each(CONTRACT)('%s %s is for %s and owned by %s', async (method, path, who, owner) => {
    const anonymous = await call(method, path);
    if (who === 'public' || who === 'optional') {
      expect(anonymous.status).toBe(200);
      expect((anonymous.body as Echo).upstream).toBe(owner);
    } else {
      expectUnauthorized(anonymous);
    }

    for (const role of ROLES) {
      const res = await call(method, path, role);
      if (allowed(role, who)) {
        expect({ role, status: res.status }).toEqual({ role, status: 200 });
        expect(res.body as Echo).toMatchObject({ upstream: owner, method, url: path });
      } else {
        expect({ role, status: res.status }).toEqual({ role, status: 403 });
        expectForbidden(res);
      }
    }
  });

  it.each([
    ['viewer', 'PUT', '/api/v1/users/me', 403],
    ['viewer', 'GET', '/api/v1/users/me', 200],
    ['user', 'GET', '/api/v1/users', 403],
    ['moderator', 'GET', '/api/v1/users', 200],
    ['moderator', 'PATCH', `/api/v1/users/${ID}/role`, 403],
    ['admin', 'PATCH', `/api/v1/users/${ID}/role`, 200],
    ['moderator', 'DELETE', `/api/v1/users/${ID}`, 403],
    ['user', 'GET', '/api/v1/admin/audit', 403],
    ['moderator', 'PUT', '/api/v1/admin/config', 403],
    ['admin', 'PUT', '/api/v1/admin/config', 200],
  ] as const)('a %s calling %s %s gets %i', async (role, method, path, status) => {
    const res = await call(method, path, role);

    if (status === 403) expectForbidden(res);
    else expect(res.status).toBe(200);
  });

  describe('a known path with a method it does not have', () => {
    it.each([
      ['DELETE', '/api/v1/users/me', 'GET, PUT, HEAD'],
      ['GET', '/api/v1/auth/login', 'POST'],
      ['PUT', `/api/v1/users/${ID}`, 'GET, DELETE, HEAD'],
      ['POST', '/.well-known/jwks.json', 'GET, HEAD'],
    ])(
      '%s %s is a 405 with Allow: %s, before any token is asked for',
      async (method, path, allow) => {
        const res = await call(method, path);

        expectProblem(res, 405, 'The method is not allowed for this resource');
        expect(res.headers.allow).toBe(allow);
      },
    );

    it('HEAD is held to the rule of GET', async () => {
      expect((await call('HEAD', '/api/v1/users/me')).status).toBe(401);
      expect((await call('HEAD', '/api/v1/users', 'user')).status).toBe(403);
      expect((await call('HEAD', '/api/v1/users/me', 'viewer')).status).toBe(200);
    });
  });

  it.each([
    '/api/v1/users/not-a-uuid',
    `/api/v1/users/${ID}x`,
    '/api/v1/users/me/',
    '/API/v1/users/me',
    '/api/v1/users/%6De',
    '/api/v1/auth/login/extra',
    '/api/v1/auth/2fa/anything',
    `/api/v1/auth/api-keys/${'k'.repeat(65)}`,
    '/api/v1/auth/api-keys/k_1',
    `/api/v1/admin/users/${ID}/sessions/x`,
    '/api/v1/admin',
  ])('a path that only resembles a route, %s, is a 404 even for an admin', async (path) => {
    const res = await call('GET', path, 'admin');

    expectProblem(res, 404, 'The requested resource was not found');
  });
});
