import { randomUUID } from 'node:crypto';

import { expect } from '@jest/globals';

import { mailToken } from '@secure-api/shared/testing';

import type { AuthHarness, TestUser } from './harness.js';
import { bearer, VERIFY_SUBJECT } from './recovery.js';

/** The steps of an email change, against the harness `current()` returns (set in beforeAll). */
export function emailChangeSteps(current: () => AuthHarness) {
  const newAddress = () => `moved.${randomUUID().slice(0, 8)}@example.org`;

  /** What user-service sends on PUT /users/me with a new email: the user's own bearer. */
  const requestChange = (accessToken: string, body: { current_password: string; email: string }) =>
    current()
      .api.post('/internal/credentials/email')
      .set('Authorization', bearer(accessToken))
      .send(body);

  const sessionsWith = (accessToken: string) =>
    current().api.get('/api/v1/auth/sessions').set('Authorization', bearer(accessToken));

  /** A registered user who has read the verification mail, logged in, asking to move to `email`. */
  async function changeRequested(email: string) {
    const user = await current().register();
    await current().mail.waitFor({ to: user.email, subject: VERIFY_SUBJECT });
    const session = await current().loginAs(user);
    const res = await requestChange(session.accessToken, {
      current_password: user.password,
      email,
    });
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    const confirmation = await current().mail.waitFor({
      to: email,
      subject: 'Confirm your new email address',
    });
    const notice = await current().mail.waitFor({
      to: user.email,
      subject: 'Your email address is being changed',
    });
    return {
      user,
      session,
      notice,
      confirmToken: mailToken(confirmation, 'verify-email'),
      cancelToken: mailToken(notice, 'cancel-email-change'),
    };
  }

  const verify = (token: string) => current().api.post('/api/v1/auth/email/verify').send({ token });
  const cancel = (token: string) =>
    current().api.post('/api/v1/auth/email/change/cancel').send({ token });
  const loginStatus = async (user: Pick<TestUser, 'password'>, email: string) =>
    (await current().login(email, user.password)).status;

  return { newAddress, requestChange, sessionsWith, changeRequested, verify, cancel, loginStatus };
}
