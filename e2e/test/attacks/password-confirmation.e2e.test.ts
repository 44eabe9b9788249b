import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { randomIp } from '../../support/auth-flows.js';
import {
  loginAs,
  registerUser,
  rememberSecret,
  startSystem,
  type System,
} from '../../support/system.js';

const GENERIC = 'Invalid email or password';
const WRONG_CURRENT = 'Current password is incorrect';
const WRONG = 'Not-The-Pass-9!';

describe('password confirmations are guarded like logins', () => {
  let system: System;

  beforeAll(async () => {
    rememberSecret(WRONG);
    // Production lockout defaults (5 failures); the test client plays several addresses.
    system = await startSystem('attack_confirm', {
      gateway: { TRUSTED_PROXIES: '127.0.0.1/32,::1/128' },
      auth: { LOGIN_FAILURES_PER_IP_PER_DAY: '8' },
    });
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);
  const changePassword = (token: string, current: string, ip: string) =>
    api()
      .post('/api/v1/users/me/change-password')
      .set('Authorization', `Bearer ${token}`)
      .set('X-Forwarded-For', ip)
      .send({ current_password: current, new_password: 'Brand-New-Secret-71' });
  const cookieLessLogin = (user: { email: string; password: string }) =>
    api()
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', randomIp())
      .send({ email: user.email, password: user.password });

  it('five wrong current passwords on change-password lock the account: a cookie-less login with the right password then gets the generic 401', async () => {
    const user = await registerUser(system.gateway);
    const { accessToken } = await loginAs(system.gateway, user);

    const guesses = [];
    for (let i = 0; i < 5; i += 1)
      guesses.push(await changePassword(accessToken, WRONG, randomIp()));
    const login = await cookieLessLogin(user);

    for (const res of guesses) {
      expect(res.status).toBe(400);
      expect((res.body as { detail: string }).detail).toBe(WRONG_CURRENT);
      expect(JSON.stringify(res.body)).not.toContain(WRONG);
    }
    expect(login.status).toBe(401);
    expect((login.body as { detail: string }).detail).toBe(GENERIC);
  });

  it('while the account is locked, even the right current password is refused exactly like a wrong one', async () => {
    const user = await registerUser(system.gateway);
    const { accessToken } = await loginAs(system.gateway, user);
    for (let i = 0; i < 5; i += 1) await cookieLessLogin({ email: user.email, password: WRONG });

    const right = await changePassword(accessToken, user.password, randomIp());
    const wrong = await changePassword(accessToken, WRONG, randomIp());

    expect(right.status).toBe(400);
    const strip = (body: object) => ({ ...body, request_id: undefined });
    expect(strip(right.body as object)).toEqual(strip(wrong.body as object));
  });

  it('wrong passwords at 2FA disable, step-up checks and email change add up to the same lock', async () => {
    const user = await registerUser(system.gateway);
    const { accessToken } = await loginAs(system.gateway, user);
    const auth = `Bearer ${accessToken}`;

    const answers = [
      await api()
        .post('/api/v1/auth/2fa/disable')
        .set('Authorization', auth)
        .send({ password: WRONG, code: '123456' }),
      await api()
        .post('/api/v1/auth/2fa/setup')
        .set('Authorization', auth)
        .send({ password: WRONG }),
      await api()
        .post('/api/v1/auth/api-keys')
        .set('Authorization', auth)
        .send({ name: 'k', scopes: ['self:read'], password: WRONG }),
      await api()
        .put('/api/v1/users/me')
        .set('Authorization', auth)
        .send({ email: `moved.${user.id.slice(0, 8)}@example.com`, current_password: WRONG }),
      await api()
        .post('/api/v1/auth/2fa/backup-codes')
        .set('Authorization', auth)
        .send({ password: WRONG, code: '123456' }),
    ];
    const login = await cookieLessLogin(user);

    expect(answers.map((res) => res.status)).toEqual([400, 401, 401, 400, 401]);
    expect(login.status).toBe(401);
    expect((login.body as { detail: string }).detail).toBe(GENERIC);
  });

  it('an address blocked for the day gets 429 at a confirmation too', async () => {
    const ip = randomIp();
    for (let i = 0; i < 8; i += 1) {
      await api()
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', ip)
        .send({ email: `spray.${String(i)}.${ip}@example.com`, password: WRONG });
    }
    const user = await registerUser(system.gateway);
    const { accessToken } = await loginAs(system.gateway, user);
    const newPassword = 'Brand-New-Secret-72';
    rememberSecret(newPassword);

    const blocked = await api()
      .post('/api/v1/users/me/change-password')
      .set('Authorization', `Bearer ${accessToken}`)
      .set('X-Forwarded-For', ip)
      .send({ current_password: user.password, new_password: newPassword });

    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });
});
