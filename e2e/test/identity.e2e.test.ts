import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import {
  loginAs,
  registerUser,
  rememberSecret,
  startSystem,
  type System,
} from '../support/system.js';

const GENERIC_LOGIN = 'Invalid email or password';
const TOKEN_REFUSED = 'Invalid or expired token';

describe('identity core through the gateway', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('identity');
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);

  describe('POST /api/v1/auth/register', () => {
    it('creates a user with role user and returns only the public user object', async () => {
      const res = await api().post('/api/v1/auth/register').send({
        username: 'ada_reg1',
        email: 'Ada.Reg1@Example.com',
        password: 'Analytical-Engine-1843',
        full_name: 'Ada',
      });
      rememberSecret('Analytical-Engine-1843');

      expect(res.status).toBe(201);
      expect(Object.keys(res.body as object).sort()).toEqual(
        [
          'created_at',
          'email',
          'email_verified',
          'full_name',
          'id',
          'is_active',
          'role',
          'username',
        ].sort(),
      );
      expect(res.body).toMatchObject({
        username: 'ada_reg1',
        email: 'ada.reg1@example.com',
        email_verified: false,
        role: 'user',
        is_active: true,
      });
    });

    it('carries one request id from the gateway through auth-service into user-service', async () => {
      const requestId = 'e2e-register-trace-0001';
      const res = await api().post('/api/v1/auth/register').set('X-Request-ID', requestId).send({
        username: 'traced_user',
        email: 'traced@example.com',
        password: 'Follow-The-Thread-1',
      });

      // The gateway's own id, not the client's, is the one every service files the work under;
      // the client's travels beside it.
      const own = res.headers['x-request-id'] as string;
      expect(res.status).toBe(201);
      expect(own).not.toBe(requestId);
      expect(res.headers['x-client-request-id']).toBe(requestId);
      for (const log of system.logs) {
        const lines = log.lines().filter((line) => line.request_id === own);
        expect(lines.length).toBeGreaterThan(0);
        expect(lines.every((line) => line.client_request_id === requestId)).toBe(true);
      }
    });

    it('gives a duplicate email or username the same 400 that reveals neither', async () => {
      const existing = await registerUser(system.gateway);
      const byEmail = await api()
        .post('/api/v1/auth/register')
        .send({ username: 'someone_else_1', email: existing.email, password: 'Different-Pass-99' });
      const byUsername = await api().post('/api/v1/auth/register').send({
        username: existing.username,
        email: 'fresh.address@example.com',
        password: 'Different-Pass-99',
      });

      for (const res of [byEmail, byUsername]) {
        expect(res.status).toBe(400);
        expect((res.body as { detail: string }).detail).toBe(
          'Unable to create account with provided information',
        );
      }
      // The refused username's email was not kept half-created: it can register now.
      const retry = await api().post('/api/v1/auth/register').send({
        username: 'fresh_user_x1',
        email: 'fresh.address@example.com',
        password: 'Different-Pass-99',
      });
      expect(retry.status).toBe(201);
    });

    it.each([
      ['short1!', 'Password must be at least 8 characters long'],
      ['alllowercase1!', 'Password must contain an uppercase letter'],
      ['ALLUPPERCASE1!', 'Password must contain a lowercase letter'],
      ['NoDigitsHere!', 'Password must contain a digit'],
      ['NoSpecial123', 'Password must contain a special character'],
      ['password123!', 'Password must contain an uppercase letter'],
      ['Password123!', 'Password is too common'],
    ])('refuses the weak password %j with 400 naming the rule', async (password, detail) => {
      const res = await api()
        .post('/api/v1/auth/register')
        .send({ username: 'weakling', email: 'weak@example.com', password });

      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((res.body as { detail: string }).detail).toBe(detail);
    });

    it.each([
      ['a <script> username', { username: '<script>alert(1)</script>' }],
      ['a 10,000-character username', { username: 'a'.repeat(10_000) }],
      ['an unknown field (role)', { role: 'admin' }],
      ['an invalid email', { email: 'not-an-email' }],
    ])(
      'refuses %s with 422 and field errors that do not echo the value',
      async (_case, override) => {
        const res = await api()
          .post('/api/v1/auth/register')
          .send({
            username: 'valid_name',
            email: 'valid@example.com',
            password: 'Str0ng-Pass-422!',
            ...override,
          });

        expect(res.status).toBe(422);
        const body = res.body as { errors: { field: string; message: string }[] };
        expect(body.errors.length).toBeGreaterThan(0);
        expect(JSON.stringify(body)).not.toContain('<script>');
        expect(JSON.stringify(body)).not.toContain('aaaaaaaaaa');
      },
    );
  });

  describe('POST /api/v1/auth/login', () => {
    it('returns a bearer access token and a hardened refresh cookie', async () => {
      const user = await registerUser(system.gateway);
      rememberSecret(user.password);
      const res = await api()
        .post('/api/v1/auth/login')
        .send({ email: user.email, password: user.password });

      expect(res.status).toBe(200);
      const body = res.body as { access_token: string; token_type: string; expires_in: number };
      expect(body.token_type).toBe('bearer');
      expect(body.expires_in).toBeGreaterThan(890);
      expect(body.expires_in).toBeLessThanOrEqual(900);
      rememberSecret(body.access_token);
      const cookie = (res.headers['set-cookie'] as unknown as string[])[0] ?? '';
      expect(cookie).toMatch(/^refresh_token=[A-Za-z0-9_-]{43};/);
      rememberSecret(cookie.split(';')[0]?.split('=')[1] ?? '');
      for (const flag of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/api/v1/auth'])
        expect(cookie).toContain(flag);
      const [header, payload] = body.access_token
        .split('.')
        .slice(0, 2)
        .map(
          (part) =>
            JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>,
        );
      expect(header).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });
      expect(typeof header?.kid).toBe('string');
      expect(payload).toMatchObject({
        iss: 'secure-api-auth',
        aud: 'secure-api',
        sub: user.id,
        role: 'user',
        type: 'access',
        amr: ['pwd'],
      });
      expect((payload?.exp as number) - (payload?.iat as number)).toBe(900);
    });

    it('answers a wrong password and an unknown email with the identical 401', async () => {
      const user = await registerUser(system.gateway);
      const wrong = await api()
        .post('/api/v1/auth/login')
        .send({ email: user.email, password: 'Wrong-Pass-123!' });
      const unknown = await api()
        .post('/api/v1/auth/login')
        .send({ email: 'nobody.here@example.com', password: 'Wrong-Pass-123!' });

      for (const res of [wrong, unknown]) {
        expect(res.status).toBe(401);
        expect((res.body as { detail: string }).detail).toBe(GENERIC_LOGIN);
        expect(res.headers['set-cookie']).toBeUndefined();
      }
      const strip = (body: object) => ({ ...body, request_id: undefined });
      expect(strip(wrong.body as object)).toEqual(strip(unknown.body as object));
    });

    it.each([
      "' OR '1'='1",
      "admin'--",
      '"; DROP TABLE credentials; --',
      "' UNION SELECT password_hash FROM credentials --",
    ])('treats the SQL-injection string %j as data: 401, never 500', async (payload) => {
      const asEmail = await api()
        .post('/api/v1/auth/login')
        .send({ email: payload, password: payload });
      const asPassword = await api()
        .post('/api/v1/auth/login')
        .send({ email: 'someone@example.com', password: payload });

      for (const res of [asEmail, asPassword]) {
        expect([401, 422]).toContain(res.status);
        expect(JSON.stringify(res.body)).not.toMatch(/sql|sequelize|syntax|relation/i);
      }
    });
  });

  describe('unauthenticated and malformed tokens', () => {
    it.each([
      ['GET', '/api/v1/users/me'],
      ['PUT', '/api/v1/users/me'],
      ['GET', '/api/v1/users'],
      ['GET', '/api/v1/admin/stats'],
    ])('%s %s without a token is 401 "Invalid or expired token"', async (method, path) => {
      const res = await api()[method.toLowerCase() as 'get' | 'put'](path);

      expect(res.status).toBe(401);
      expect((res.body as { detail: string }).detail).toBe(TOKEN_REFUSED);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });

    it.each(['not-a-jwt', 'eyJ.eyJ.invalid', '', 'null'])(
      'refuses the bearer %j with 401',
      async (token) => {
        const res = await api().get('/api/v1/users/me').set('Authorization', `Bearer ${token}`);

        expect(res.status).toBe(401);
        expect((res.body as { detail: string }).detail).toBe(TOKEN_REFUSED);
      },
    );

    it('refuses a refresh token presented as a bearer', async () => {
      const user = await registerUser(system.gateway);
      const session = await loginAs(system.gateway, user);
      const refreshValue = session.refreshCookie.split('=')[1] ?? '';

      const res = await api()
        .get('/api/v1/users/me')
        .set('Authorization', `Bearer ${refreshValue}`);

      expect(res.status).toBe(401);
    });

    it('gives a 404 that leaks no path or traceback', async () => {
      const res = await api().get('/api/v1/nothing/here');

      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toMatch(/\/work\/|node_modules|at .*\(|\.ts:|Error:/);
    });
  });

  describe('logout and revocation', () => {
    it('after logout the old access token is refused at once and the refresh cookie is dead', async () => {
      const user = await registerUser(system.gateway);
      const session = await loginAs(system.gateway, user);
      const bearer = `Bearer ${session.accessToken}`;
      expect((await api().get('/api/v1/users/me').set('Authorization', bearer)).status).toBe(200);

      const out = await api()
        .post('/api/v1/auth/logout')
        .set('Authorization', bearer)
        .set('Cookie', session.refreshCookie);

      expect(out.status).toBe(204);
      expect((await api().get('/api/v1/users/me').set('Authorization', bearer)).status).toBe(401);
      expect(
        (await api().post('/api/v1/auth/refresh').set('Cookie', session.refreshCookie)).status,
      ).toBe(401);
    });

    it('logout-all ends every session of the user', async () => {
      const user = await registerUser(system.gateway);
      const first = await loginAs(system.gateway, user);
      const second = await loginAs(system.gateway, user);

      const res = await api()
        .post('/api/v1/auth/logout-all')
        .set('Authorization', `Bearer ${first.accessToken}`);

      expect(res.status).toBe(204);
      for (const s of [first, second]) {
        expect(
          (await api().get('/api/v1/users/me').set('Authorization', `Bearer ${s.accessToken}`))
            .status,
        ).toBe(401);
        expect(
          (await api().post('/api/v1/auth/refresh').set('Cookie', s.refreshCookie)).status,
        ).toBe(401);
      }
      // A new login right after still works (revocation covers only what came before).
      const again = await loginAs(system.gateway, user);
      expect(
        (await api().get('/api/v1/users/me').set('Authorization', `Bearer ${again.accessToken}`))
          .status,
      ).toBe(200);
    });
  });

  describe('sessions', () => {
    it('lists the own sessions with the current one marked, and ending one revokes it', async () => {
      const user = await registerUser(system.gateway);
      const phone = await loginAs(system.gateway, user);
      const laptop = await loginAs(system.gateway, user);

      const list = await api()
        .get('/api/v1/auth/sessions')
        .set('Authorization', `Bearer ${laptop.accessToken}`)
        .set('User-Agent', 'laptop');
      const sessions = (list.body as { sessions: { id: string; current: boolean }[] }).sessions;
      expect(list.status).toBe(200);
      expect(sessions).toHaveLength(2);
      const other = sessions.find((s) => !s.current);

      const end = await api()
        .delete(`/api/v1/auth/sessions/${other?.id ?? ''}`)
        .set('Authorization', `Bearer ${laptop.accessToken}`);

      expect(end.status).toBe(204);
      expect(
        (await api().get('/api/v1/users/me').set('Authorization', `Bearer ${phone.accessToken}`))
          .status,
      ).toBe(401);
      expect(
        (await api().get('/api/v1/users/me').set('Authorization', `Bearer ${laptop.accessToken}`))
          .status,
      ).toBe(200);
    });

    it("cannot end someone else's session (404)", async () => {
      const alice = await loginAs(system.gateway, await registerUser(system.gateway));
      const bob = await loginAs(system.gateway, await registerUser(system.gateway));
      const bobs = await api()
        .get('/api/v1/auth/sessions')
        .set('Authorization', `Bearer ${bob.accessToken}`);
      const bobSession = (bobs.body as { sessions: { id: string }[] }).sessions[0]?.id ?? '';

      const res = await api()
        .delete(`/api/v1/auth/sessions/${bobSession}`)
        .set('Authorization', `Bearer ${alice.accessToken}`);

      expect(res.status).toBe(404);
      expect(
        (await api().get('/api/v1/users/me').set('Authorization', `Bearer ${bob.accessToken}`))
          .status,
      ).toBe(200);
    });
  });

  describe('POST /api/v1/users/me/change-password', () => {
    it('ends the other sessions, keeps the caller signed in with a fresh token, and the new password works', async () => {
      const user = await registerUser(system.gateway);
      const other = await loginAs(system.gateway, user);
      const current = await loginAs(system.gateway, user);
      const newPassword = 'Brand-New-Secret-77';
      rememberSecret(newPassword);

      const res = await api()
        .post('/api/v1/users/me/change-password')
        .set('Authorization', `Bearer ${current.accessToken}`)
        .send({ current_password: user.password, new_password: newPassword });

      expect(res.status).toBe(200);
      const fresh = (res.body as { access_token: string }).access_token;
      expect(
        (await api().get('/api/v1/users/me').set('Authorization', `Bearer ${fresh}`)).status,
      ).toBe(200);
      expect(
        (await api().get('/api/v1/users/me').set('Authorization', `Bearer ${other.accessToken}`))
          .status,
      ).toBe(401);
      expect(
        (await api().post('/api/v1/auth/refresh').set('Cookie', other.refreshCookie)).status,
      ).toBe(401);
      expect(
        (await api().post('/api/v1/auth/refresh').set('Cookie', current.refreshCookie)).status,
      ).toBe(200);
      const old = await api()
        .post('/api/v1/auth/login')
        .send({ email: user.email, password: user.password });
      expect(old.status).toBe(401);
      await loginAs(system.gateway, { email: user.email, password: newPassword });
    });

    it('refuses a wrong current password and a weak new one', async () => {
      const user = await registerUser(system.gateway);
      const session = await loginAs(system.gateway, user);
      const auth = `Bearer ${session.accessToken}`;

      const wrong = await api()
        .post('/api/v1/users/me/change-password')
        .set('Authorization', auth)
        .send({ current_password: 'Not-The-Pass-1', new_password: 'Brand-New-Secret-78' });
      const weak = await api()
        .post('/api/v1/users/me/change-password')
        .set('Authorization', auth)
        .send({ current_password: user.password, new_password: 'weak' });

      expect(wrong.status).toBe(400);
      expect((wrong.body as { detail: string }).detail).toBe('Current password is incorrect');
      expect(weak.status).toBe(400);
      expect((weak.body as { detail: string }).detail).toBe(
        'Password must be at least 8 characters long',
      );
    });
  });
});
