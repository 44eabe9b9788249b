import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { mailedToken } from '../../support/auth-flows.js';
import {
  loginAs,
  registerUser,
  rememberSecret,
  startSystem,
  type System,
  type TestUser,
} from '../../support/system.js';

const WRONG = 'Wrong-Pass-123!';

describe('email verification: the gate on unverified addresses, on and off', () => {
  let system: System;
  let admin: TestUser & { accessToken: string };

  beforeAll(async () => {
    rememberSecret(WRONG);
    system = await startSystem('recovery_verify');
    admin = await system.userWithRole('admin');
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);
  const login = (email: string, password: string) =>
    api().post('/api/v1/auth/login').send({ email, password });
  const setGate = (on: boolean) =>
    api()
      .put('/api/v1/admin/config')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ require_verified_email: on });
  const verificationToken = (user: TestUser) =>
    mailedToken(
      system.mail,
      { to: user.email, subject: 'Confirm your email address' },
      'verify-email',
    );

  it('with the gate on, the right password of an unverified address gets 403, a wrong one the generic 401, and the mailed link opens the door', async () => {
    const user = await registerUser(system.gateway);
    const token = await verificationToken(user);
    const on = await setGate(true);
    let unverified: request.Response;
    let wrong: request.Response;
    let verify: request.Response;
    let verified: request.Response;
    try {
      unverified = await login(user.email, user.password);
      wrong = await login(user.email, WRONG);
      verify = await api().post('/api/v1/auth/email/verify').send({ token });
      verified = await login(user.email, user.password);
    } finally {
      await setGate(false);
    }

    expect(on.status).toBe(200);
    expect((on.body as { require_verified_email?: boolean }).require_verified_email).toBe(true);
    expect(unverified.status).toBe(403);
    expect((unverified.body as { detail?: string }).detail).toBe('Email address not verified');
    expect(unverified.headers['set-cookie']).toBeUndefined();
    expect(wrong.status).toBe(401);
    expect((wrong.body as { detail?: string }).detail).toBe('Invalid email or password');
    expect(verify.status).toBe(204);
    expect(verified.status).toBe(200);
    const me = await api()
      .get('/api/v1/users/me')
      .set('Authorization', `Bearer ${(verified.body as { access_token: string }).access_token}`);
    expect((me.body as { email_verified?: boolean }).email_verified).toBe(true);
  });

  it('the verification link works once', async () => {
    const user = await registerUser(system.gateway);
    const token = await verificationToken(user);

    const first = await api().post('/api/v1/auth/email/verify').send({ token });
    const again = await api().post('/api/v1/auth/email/verify').send({ token });

    expect(first.status).toBe(204);
    expect(again.status).toBe(400);
    expect((again.body as { detail?: string }).detail).toBe('Invalid or expired link');
  });

  it('a resent link replaces the earlier one', async () => {
    const user = await registerUser(system.gateway);
    const first = await verificationToken(user);
    const session = await loginAs(system.gateway, user);

    const resend = await api()
      .post('/api/v1/auth/email/verify/resend')
      .set('Authorization', `Bearer ${session.accessToken}`);
    const second = await verificationToken(user);

    expect(resend.status).toBe(202);
    expect(resend.text).toBe('');
    const stale = await api().post('/api/v1/auth/email/verify').send({ token: first });
    expect(stale.status).toBe(400);
    expect((stale.body as { detail?: string }).detail).toBe('Invalid or expired link');
    expect((await api().post('/api/v1/auth/email/verify').send({ token: second })).status).toBe(
      204,
    );
  });

  it('with the gate off, an unverified address logs in, and the profile says it is unverified', async () => {
    const user = await registerUser(system.gateway);
    await verificationToken(user);

    const session = await loginAs(system.gateway, user);
    const me = await api()
      .get('/api/v1/users/me')
      .set('Authorization', `Bearer ${session.accessToken}`);

    expect(me.status).toBe(200);
    expect((me.body as { email_verified?: boolean }).email_verified).toBe(false);
  });
});
