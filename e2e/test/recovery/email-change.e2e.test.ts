import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { mailedToken } from '../../support/auth-flows.js';
import { loginAs, registerUser, startSystem, type System } from '../../support/system.js';

describe('email change: confirmed from the new address, then cancelled from the old one', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('recovery_email_change');
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);
  const login = (email: string, password: string) =>
    api().post('/api/v1/auth/login').send({ email, password });
  const me = (token: string) =>
    api().get('/api/v1/users/me').set('Authorization', `Bearer ${token}`);
  const profileOf = (res: request.Response) =>
    res.body as { email?: string; email_verified?: boolean };

  it('waits for the confirmation link, moves the address, and the cancel link moves it back and ends every session', async () => {
    const user = await registerUser(system.gateway);
    const session = await loginAs(system.gateway, user);
    const newEmail = `moved.${randomUUID().slice(0, 8)}@example.com`;

    const requested = await api()
      .put('/api/v1/users/me')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ email: newEmail, current_password: user.password });

    // Nothing has changed yet: the body and the login still use the current address.
    expect(requested.status).toBe(202);
    expect(profileOf(requested).email).toBe(user.email);
    expect((await login(user.email, user.password)).status).toBe(200);
    expect((await login(newEmail, user.password)).status).toBe(401);

    const confirm = await mailedToken(
      system.mail,
      { to: newEmail, subject: 'Confirm your new email address' },
      'verify-email',
    );
    const cancel = await mailedToken(
      system.mail,
      { to: user.email, subject: 'Your email address is being changed' },
      'cancel-email-change',
    );
    const confirmed = await api().post('/api/v1/auth/email/verify').send({ token: confirm });

    expect(confirmed.status).toBe(204);
    const moved = await loginAs(system.gateway, { email: newEmail, password: user.password });
    expect(profileOf(await me(moved.accessToken))).toMatchObject({
      email: newEmail,
      email_verified: true,
    });
    const oldAddress = await login(user.email, user.password);
    expect(oldAddress.status).toBe(401);
    expect((oldAddress.body as { detail?: string }).detail).toBe('Invalid email or password');

    // The owner of the old mailbox did not ask for this: the cancel link undoes it.
    const cancelled = await api().post('/api/v1/auth/email/change/cancel').send({ token: cancel });

    expect(cancelled.status).toBe(204);
    for (const token of [session.accessToken, moved.accessToken])
      expect((await me(token)).status).toBe(401);
    const back = await loginAs(system.gateway, user);
    expect(profileOf(await me(back.accessToken)).email).toBe(user.email);
    const gone = await login(newEmail, user.password);
    expect(gone.status).toBe(401);
    expect((gone.body as { detail?: string }).detail).toBe('Invalid email or password');
    // The cancel link, like every other, works once.
    const again = await api().post('/api/v1/auth/email/change/cancel').send({ token: cancel });
    expect(again.status).toBe(400);
    expect((again.body as { detail?: string }).detail).toBe('Invalid or expired link');
  });

  it('cancelled before it was confirmed, the confirmation link is dead', async () => {
    const user = await registerUser(system.gateway);
    const session = await loginAs(system.gateway, user);
    const newEmail = `pending.${randomUUID().slice(0, 8)}@example.com`;
    await api()
      .put('/api/v1/users/me')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ email: newEmail, current_password: user.password });
    const confirm = await mailedToken(
      system.mail,
      { to: newEmail, subject: 'Confirm your new email address' },
      'verify-email',
    );
    const cancel = await mailedToken(
      system.mail,
      { to: user.email, subject: 'Your email address is being changed' },
      'cancel-email-change',
    );

    expect(
      (await api().post('/api/v1/auth/email/change/cancel').send({ token: cancel })).status,
    ).toBe(204);
    const late = await api().post('/api/v1/auth/email/verify').send({ token: confirm });

    expect(late.status).toBe(400);
    expect((late.body as { detail?: string }).detail).toBe('Invalid or expired link');
    expect((await login(user.email, user.password)).status).toBe(200);
    expect((await login(newEmail, user.password)).status).toBe(401);
  });
});
