import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { resetLinkFor, sql } from '../../support/auth-flows.js';
import {
  loginAs,
  registerUser,
  rememberSecret,
  startSystem,
  type System,
  type TestUser,
} from '../../support/system.js';

const REFUSED = 'Invalid or expired link';

describe('a reset link works once, for a while, and only for the password it was mailed for', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('recovery_refused');
  });

  afterAll(async () => {
    await system.close();
  });

  const reset = (token: string, password: string) =>
    request(system.gateway)
      .post('/api/v1/auth/password/reset')
      .send({ token, new_password: password });
  const newPassword = () => {
    const password = `N3w-Pass-${Math.random().toString(36).slice(2, 10)}!`;
    rememberSecret(password);
    return password;
  };
  const expectRefused = (res: request.Response) => {
    expect(res.status).toBe(400);
    expect((res.body as { detail?: string }).detail).toBe(REFUSED);
  };
  /** The password still in force logs in; the one the refused link offered does not. */
  async function expectPasswordKept(user: TestUser, offered: string) {
    const login = (password: string) =>
      request(system.gateway).post('/api/v1/auth/login').send({ email: user.email, password });
    expect((await login(user.password)).status).toBe(200);
    expect((await login(offered)).status).toBe(401);
  }

  it('refuses a link used once already', async () => {
    const user = await registerUser(system.gateway);
    const token = await resetLinkFor(system.gateway, system.mail, user.email);
    const first = newPassword();
    const second = newPassword();

    expect((await reset(token, first)).status).toBe(204);
    const again = await reset(token, second);

    expectRefused(again);
    await expectPasswordKept({ ...user, password: first }, second);
  });

  it('works once even when two requests race with the same link', async () => {
    const user = await registerUser(system.gateway);
    const token = await resetLinkFor(system.gateway, system.mail, user.email);
    const [a, b] = [newPassword(), newPassword()];

    const [first, second] = await Promise.all([reset(token, a), reset(token, b)]);

    expect([first.status, second.status].sort()).toEqual([204, 400]);
    const winner = first.status === 204 ? a : b;
    await expectPasswordKept({ ...user, password: winner }, winner === a ? b : a);
  });

  it('refuses an expired link', async () => {
    const user = await registerUser(system.gateway);
    const token = await resetLinkFor(system.gateway, system.mail, user.email);
    // Thirty minutes are not waited out: the link's expiry is moved into the past in the auth
    // database, exactly where auth-service reads it.
    await sql(
      system.authDatabaseUrl,
      `UPDATE account_tokens SET expires_at = now() - interval '1 second'
        WHERE user_id = $1 AND purpose = 'password_reset'`,
      [user.id],
    );
    const password = newPassword();

    expectRefused(await reset(token, password));
    await expectPasswordKept(user, password);
  });

  it('refuses a link mailed before the password was changed', async () => {
    const user = await registerUser(system.gateway);
    const token = await resetLinkFor(system.gateway, system.mail, user.email);
    const session = await loginAs(system.gateway, user);
    const changed = newPassword();
    const change = await request(system.gateway)
      .post('/api/v1/users/me/change-password')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ current_password: user.password, new_password: changed });
    expect(change.status).toBe(200);
    const password = newPassword();

    expectRefused(await reset(token, password));
    await expectPasswordKept({ ...user, password: changed }, password);
  });

  it('refuses the earlier link once a newer one was mailed, and a made-up one alike', async () => {
    const user = await registerUser(system.gateway);
    const older = await resetLinkFor(system.gateway, system.mail, user.email);
    const newer = await resetLinkFor(system.gateway, system.mail, user.email);
    const password = newPassword();

    expectRefused(await reset(older, password));
    expectRefused(await reset('A'.repeat(43), password));
    expect((await reset(newer, password)).status).toBe(204);
  });

  it('refuses a new password the policy refuses, and the link still works for a strong one', async () => {
    const user = await registerUser(system.gateway);
    const token = await resetLinkFor(system.gateway, system.mail, user.email);

    const weak = await reset(token, 'short');
    const strong = await reset(token, newPassword());

    expect(weak.status).toBe(400);
    expect(weak.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((weak.body as { detail?: string }).detail).not.toBe(REFUSED);
    expect(strong.status).toBe(204);
  });

  it.each([
    ['forgot without an email', '/api/v1/auth/password/forgot', {}],
    ['forgot with a non-address', '/api/v1/auth/password/forgot', { email: 'not-an-email' }],
    ['reset without a token', '/api/v1/auth/password/reset', { new_password: 'Str0ng-Pass-x!' }],
    [
      'reset with a huge token',
      '/api/v1/auth/password/reset',
      { token: 'A'.repeat(5000), new_password: 'Str0ng-Pass-x!' },
    ],
    ['verify with a number', '/api/v1/auth/email/verify', { token: 42 }],
    [
      'cancel with an extra field',
      '/api/v1/auth/email/change/cancel',
      { token: 'A'.repeat(43), admin: true },
    ],
  ])('answers %s with a 422 problem, never a 500', async (_name, path, body) => {
    const res = await request(system.gateway).post(path).send(body);

    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((res.body as { detail?: string }).detail).toBe('The request did not pass validation');
  });
});
