import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { codeAt, enrolTwoFactor, outboxEvents } from '../../support/auth-flows.js';
import {
  loginAs,
  registerUser,
  rememberSecret,
  startSystem,
  type System,
} from '../../support/system.js';

const WRONG = 'Not-The-Pass-9!';

interface StepUpRoute {
  name: string;
  call: (api: request.Agent | ReturnType<typeof request>, token: string) => request.Test;
  body: (password?: string) => object;
}

describe('a stolen access token alone cannot take over the account', () => {
  let system: System;

  beforeAll(async () => {
    rememberSecret(WRONG);
    system = await startSystem('attack_stolen');
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);
  const withPassword = (password: string | undefined, body: object = {}) =>
    password === undefined ? body : { ...body, password };

  /** A fresh user, logged in, with one API key (for the rotate route) and 2FA as asked. */
  async function victim(options: { twoFactor: boolean }) {
    const user = await registerUser(system.gateway);
    const session = await loginAs(system.gateway, user);
    let { accessToken } = session;
    let secret: string | undefined;
    if (options.twoFactor) {
      const enrolled = await enrolTwoFactor(system.gateway, user, accessToken);
      accessToken = enrolled.token;
      secret = enrolled.secret;
    }
    const key = await api()
      .post('/api/v1/auth/api-keys')
      .set('Authorization', `Bearer ${accessToken}`)
      .send({ name: 'ci', scopes: ['self:read'], password: user.password });
    rememberSecret((key.body as { key?: string }).key ?? '');
    return {
      user,
      accessToken,
      refreshCookie: session.refreshCookie,
      secret,
      keyId: (key.body as { id: string }).id,
    };
  }

  const routes: StepUpRoute[] = [
    {
      name: 'POST /api/v1/auth/2fa/setup',
      call: (agent, token) =>
        agent.post('/api/v1/auth/2fa/setup').set('Authorization', `Bearer ${token}`),
      body: (password) => withPassword(password),
    },
    {
      name: 'POST /api/v1/auth/api-keys',
      call: (agent, token) =>
        agent.post('/api/v1/auth/api-keys').set('Authorization', `Bearer ${token}`),
      body: (password) => withPassword(password, { name: 'thief', scopes: ['self:read'] }),
    },
    {
      name: 'DELETE /api/v1/auth/api-keys',
      call: (agent, token) =>
        agent.delete('/api/v1/auth/api-keys').set('Authorization', `Bearer ${token}`),
      body: (password) => withPassword(password),
    },
  ];

  it.each(routes.map((route) => [route.name, route] as const))(
    '%s needs the password: 422 naming the field without it, 401 "Invalid password" with a wrong one',
    async (_name, route) => {
      const { accessToken } = await victim({ twoFactor: false });

      const missing = await route.call(api(), accessToken).send(route.body());
      const wrong = await route.call(api(), accessToken).send(route.body(WRONG));

      expect(missing.status).toBe(422);
      expect((missing.body as { errors: { field: string }[] }).errors).toContainEqual(
        expect.objectContaining({ field: 'password' }),
      );
      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({
        type: 'https://secure-api.dev/problems/invalid-password',
        detail: 'Invalid password',
      });
      expect(wrong.headers['www-authenticate']).toBeUndefined();
      expect(JSON.stringify([missing.body, wrong.body])).not.toContain(WRONG);
    },
  );

  it('rotating an API key and regenerating backup codes need the password too', async () => {
    const { user, accessToken, secret, keyId } = await victim({ twoFactor: true });
    const auth = `Bearer ${accessToken}`;
    const code = await codeAt(secret ?? '', 1);

    const rotateMissing = await api()
      .post(`/api/v1/auth/api-keys/${keyId}/rotate`)
      .set('Authorization', auth);
    const rotateWrong = await api()
      .post(`/api/v1/auth/api-keys/${keyId}/rotate`)
      .set('Authorization', auth)
      .send({ password: WRONG });
    const codesMissing = await api()
      .post('/api/v1/auth/2fa/backup-codes')
      .set('Authorization', auth)
      .send({ code });
    const codesWrong = await api()
      .post('/api/v1/auth/2fa/backup-codes')
      .set('Authorization', auth)
      .send({ code, password: WRONG });
    const rotated = await api()
      .post(`/api/v1/auth/api-keys/${keyId}/rotate`)
      .set('Authorization', auth)
      .send({ password: user.password });
    rememberSecret((rotated.body as { key?: string }).key ?? '');

    expect([rotateMissing.status, codesMissing.status]).toEqual([422, 422]);
    for (const res of [rotateWrong, codesWrong]) {
      expect(res.status).toBe(401);
      expect((res.body as { detail: string }).detail).toBe('Invalid password');
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
    expect(rotated.status).toBe(201);
  });

  it('with the password, 2FA setup still works (the owner is not locked out of their own account)', async () => {
    const { user, accessToken } = await victim({ twoFactor: false });

    const setup = await api()
      .post('/api/v1/auth/2fa/setup')
      .set('Authorization', `Bearer ${accessToken}`)
      .send({ password: user.password });

    expect(setup.status).toBe(200);
    rememberSecret((setup.body as { secret: string }).secret);
  });

  describe('DELETE /api/v1/admin/users/{id}/2fa', () => {
    it('turns a hijacked 2FA off: every session, token and API key of the user ends, the event names the admin, and the owner logs in with the password alone', async () => {
      const admin = await system.userWithRole('admin');
      const { user, accessToken, refreshCookie } = await victim({ twoFactor: true });
      // What the hijacker may have left behind besides the factor.
      const planted = await api()
        .post('/api/v1/auth/api-keys')
        .set('Authorization', `Bearer ${accessToken}`)
        .send({ name: 'planted', scopes: ['self:read'], password: user.password });
      const key = (planted.body as { key: string }).key;
      rememberSecret(key);
      expect((await api().get('/api/v1/users/me').set('X-API-Key', key)).status).toBe(200);

      const reset = await api()
        .delete(`/api/v1/admin/users/${user.id}/2fa`)
        .set('Authorization', `Bearer ${admin.accessToken}`);
      const oldToken = await api()
        .get('/api/v1/users/me')
        .set('Authorization', `Bearer ${accessToken}`);
      const oldSession = await api().post('/api/v1/auth/refresh').set('Cookie', refreshCookie);
      const login = await api()
        .post('/api/v1/auth/login')
        .send({ email: user.email, password: user.password });

      expect(reset.status).toBe(204);
      expect(oldToken.status).toBe(401);
      expect(oldSession.status).toBe(401);
      expect((await api().get('/api/v1/users/me').set('X-API-Key', key)).status).toBe(401);
      expect(login.status).toBe(200);
      expect((login.body as { access_token?: string }).access_token).toBeDefined();
      const events = await outboxEvents(system.authDatabaseUrl, 'auth.2fa.disabled', user.id);
      expect(events.map((event) => [event.actor.user_id, event.data])).toEqual([
        [admin.id, { reason: 'admin' }],
      ]);
    });

    it('answers a clear 404 for a user without 2FA, and 403 to a non-admin', async () => {
      const admin = await system.userWithRole('admin');
      const moderator = await system.userWithRole('moderator');
      const plain = await registerUser(system.gateway);
      const { user: enrolled } = await victim({ twoFactor: true });

      const none = await api()
        .delete(`/api/v1/admin/users/${plain.id}/2fa`)
        .set('Authorization', `Bearer ${admin.accessToken}`);
      const denied = await api()
        .delete(`/api/v1/admin/users/${enrolled.id}/2fa`)
        .set('Authorization', `Bearer ${moderator.accessToken}`);

      expect(none.status).toBe(404);
      expect((none.body as { detail: string }).detail).toBe(
        'Two-factor authentication is not enabled for this user',
      );
      expect(denied.status).toBe(403);
    });
  });
});
