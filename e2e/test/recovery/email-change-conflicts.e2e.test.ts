import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { mailedToken, resetLinkFor } from '../../support/auth-flows.js';
import {
  loginAs,
  registerUser,
  rememberSecret,
  startSystem,
  type LoggedIn,
  type System,
  type TestUser,
} from '../../support/system.js';

describe('email change: what changed while the mailed links waited', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('recovery_change_conflict');
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);
  const login = (email: string, password: string) =>
    api().post('/api/v1/auth/login').send({ email, password });
  const me = (token: string) =>
    api().get('/api/v1/users/me').set('Authorization', `Bearer ${token}`);

  /** The owner asks to move to a fresh address; returns both mailed tokens. */
  async function requestChange(owner: TestUser, session: LoggedIn, newEmail: string) {
    const res = await api()
      .put('/api/v1/users/me')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ email: newEmail, current_password: owner.password });
    expect(res.status).toBe(202);
    const confirm = await mailedToken(
      system.mail,
      { to: newEmail, subject: 'Confirm your new email address' },
      'verify-email',
    );
    const cancel = await mailedToken(
      system.mail,
      { to: owner.email, subject: 'Your email address is being changed' },
      'cancel-email-change',
    );
    return { confirm, cancel };
  }

  it('confirming an address someone registered meanwhile is refused with 400, and both accounts are untouched', async () => {
    const owner = await registerUser(system.gateway);
    const session = await loginAs(system.gateway, owner);
    const newEmail = `wanted.${randomUUID().slice(0, 8)}@example.com`;
    const { confirm } = await requestChange(owner, session, newEmail);
    const other = await registerUser(system.gateway, { email: newEmail });

    const confirmed = await api().post('/api/v1/auth/email/verify').send({ token: confirm });

    expect(confirmed.status).toBe(400);
    expect((confirmed.body as { detail?: string }).detail).toBe(
      'Unable to update account with provided information',
    );
    expect((await login(owner.email, owner.password)).status).toBe(200);
    expect((await login(other.email, other.password)).status).toBe(200);
    expect(((await me(session.accessToken)).body as { email?: string }).email).toBe(owner.email);
  });

  it('a reset link mailed to the old address dies once the new address is confirmed', async () => {
    const owner = await registerUser(system.gateway);
    const session = await loginAs(system.gateway, owner);
    const reset = await resetLinkFor(system.gateway, system.mail, owner.email);
    const newEmail = `later.${randomUUID().slice(0, 8)}@example.com`;
    const { confirm } = await requestChange(owner, session, newEmail);
    expect((await api().post('/api/v1/auth/email/verify').send({ token: confirm })).status).toBe(
      204,
    );

    const late = await api()
      .post('/api/v1/auth/password/reset')
      .send({ token: reset, new_password: `N3w-Pass-${randomUUID().slice(0, 8)}!` });

    expect(late.status).toBe(400);
    expect((late.body as { detail?: string }).detail).toBe('Invalid or expired link');
    expect((await login(newEmail, owner.password)).status).toBe(200);
  });

  it('after a confirmed change the old address stays reserved, so the cancel link can always undo it', async () => {
    const owner = await registerUser(system.gateway);
    const session = await loginAs(system.gateway, owner);
    const newEmail = `hijack.${randomUUID().slice(0, 8)}@example.com`;
    const { confirm, cancel } = await requestChange(owner, session, newEmail);
    expect((await api().post('/api/v1/auth/email/verify').send({ token: confirm })).status).toBe(
      204,
    );
    const moved = await loginAs(system.gateway, { email: newEmail, password: owner.password });
    const squatter = await registerUser(system.gateway);
    const squatterSession = await loginAs(system.gateway, squatter);

    const squatPassword = `Sq-${randomUUID()}!`;
    rememberSecret(squatPassword);
    // Whoever moved the account cannot park another account on the freed address.
    const register = await api()
      .post('/api/v1/auth/register')
      .send({
        username: `squat_${randomUUID().slice(0, 8)}`,
        email: owner.email,
        password: squatPassword,
      });
    const changeOnto = await api()
      .put('/api/v1/users/me')
      .set('Authorization', `Bearer ${squatterSession.accessToken}`)
      .send({ email: owner.email, current_password: squatter.password });
    const cancelled = await api().post('/api/v1/auth/email/change/cancel').send({ token: cancel });

    expect(register.status).toBe(400);
    expect((register.body as { detail?: string }).detail).toBe(
      'Unable to create account with provided information',
    );
    expect(changeOnto.status).toBe(400);
    expect((changeOnto.body as { detail?: string }).detail).toBe(
      'Unable to update account with provided information',
    );
    expect(cancelled.status).toBe(204);
    for (const token of [session.accessToken, moved.accessToken])
      expect((await me(token)).status).toBe(401);
    expect((await login(owner.email, owner.password)).status).toBe(200);
  });
});
