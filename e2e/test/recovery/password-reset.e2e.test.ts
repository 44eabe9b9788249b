import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import {
  codeAt,
  enrolTwoFactor,
  mailedToken,
  randomIp,
  resetLinkFor,
} from '../../support/auth-flows.js';
import {
  loginAs,
  registerUser,
  rememberSecret,
  startSystem,
  type System,
} from '../../support/system.js';

const GENERIC = 'Invalid email or password';
const WRONG = 'Wrong-Pass-123!';

describe('forgotten password: the mailed link sets a new password and ends every session', () => {
  let system: System;

  beforeAll(async () => {
    rememberSecret(WRONG);
    // The lock test plays several client addresses behind a trusted proxy (the test client).
    system = await startSystem('recovery_reset', {
      gateway: { TRUSTED_PROXIES: '127.0.0.1/32,::1/128' },
    });
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);
  const detailOf = (res: request.Response) => (res.body as { detail?: string }).detail;
  const newPassword = () => {
    const password = `N3w-Pass-${Math.random().toString(36).slice(2, 10)}!`;
    rememberSecret(password);
    return password;
  };
  const reset = (token: string, password: string, code?: string) =>
    api()
      .post('/api/v1/auth/password/reset')
      .send({ token, new_password: password, ...(code ? { code } : {}) });
  const login = (email: string, password: string, ip = randomIp()) =>
    api().post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ email, password });

  it('forgot → reset → the new password logs in, the old one gets the generic 401, and old sessions are dead', async () => {
    const user = await registerUser(system.gateway);
    const first = await loginAs(system.gateway, user);
    const second = await loginAs(system.gateway, user);
    const password = newPassword();

    const token = await resetLinkFor(system.gateway, system.mail, user.email);
    const done = await reset(token, password);

    expect(done.status).toBe(204);
    expect((await login(user.email, password)).status).toBe(200);
    const old = await login(user.email, user.password);
    expect(old.status).toBe(401);
    expect(detailOf(old)).toBe(GENERIC);
    for (const session of [first, second]) {
      const refresh = await api().post('/api/v1/auth/refresh').set('Cookie', session.refreshCookie);
      const me = await api()
        .get('/api/v1/users/me')
        .set('Authorization', `Bearer ${session.accessToken}`);
      expect(refresh.status).toBe(401);
      expect(me.status).toBe(401);
    }
    // The owner is told, and that notice carries no link that could be used again.
    const notice = await system.mail.waitFor({
      to: user.email,
      subject: 'Your password was reset',
    });
    expect(notice.text).not.toContain('#token=');
  });

  it('with two-factor on, the link alone is refused with 401 and the link plus a TOTP code works', async () => {
    const user = await registerUser(system.gateway);
    const session = await loginAs(system.gateway, user);
    const { secret } = await enrolTwoFactor(system.gateway, user, session.accessToken);
    const password = newPassword();
    const token = await resetLinkFor(system.gateway, system.mail, user.email);

    const linkOnly = await reset(token, password);
    const wrongCode = await reset(token, password, '000000');
    const withCode = await reset(token, password, await codeAt(secret, 1));

    expect(linkOnly.status).toBe(401);
    expect(detailOf(linkOnly)).toBe('A two-factor code is required');
    expect(wrongCode.status).toBe(401);
    expect(withCode.status).toBe(204);
    // The reset did not switch the second factor off: the new password still asks for a code.
    const next = await login(user.email, password);
    expect(next.status).toBe(200);
    expect((next.body as { mfa_required?: boolean }).mfa_required).toBe(true);
    expect((next.body as { access_token?: string }).access_token).toBeUndefined();
  });

  it('an admin sends a reset link: 202 with an empty body, the user gets the link, and it works', async () => {
    const admin = await system.userWithRole('admin');
    const user = await registerUser(system.gateway);

    const sent = await api()
      .post(`/api/v1/admin/users/${user.id}/password-reset`)
      .set('Authorization', `Bearer ${admin.accessToken}`);
    const token = await mailedToken(
      system.mail,
      { to: user.email, subject: 'Reset your password' },
      'reset-password',
    );

    expect(sent.status).toBe(202);
    expect(sent.text).toBe('');
    expect(JSON.stringify(sent.headers)).not.toContain(token);
    const password = newPassword();
    expect((await reset(token, password)).status).toBe(204);
    expect((await login(user.email, password)).status).toBe(200);
  });

  it('following the link lifts a lock that password guessers put on the account', async () => {
    const user = await registerUser(system.gateway);
    // Five failures from five addresses lock the account (the default policy): the right password
    // is then refused from anywhere.
    for (let i = 0; i < 5; i += 1) await login(user.email, WRONG);
    expect((await login(user.email, user.password)).status).toBe(401);
    const password = newPassword();

    const token = await resetLinkFor(system.gateway, system.mail, user.email);
    expect((await reset(token, password)).status).toBe(204);

    expect((await login(user.email, password)).status).toBe(200);
  });
});
