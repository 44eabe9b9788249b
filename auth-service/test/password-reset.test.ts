import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { maskEmail } from '@secure-api/shared/events';
import { mailLink } from '@secure-api/shared/testing';

import { AuthHarness, asSeen, expectProblem } from './support/harness.js';
import {
  allEventsText,
  bearer,
  eventsOf,
  ghostEmail,
  mailTo,
  newPassword,
  reset,
  resetLinkFor,
  waitForEvent,
} from './support/recovery.js';

const BASE_URL = 'https://app.example.test';
const ACCEPTED = {
  message: 'If an account uses this address, a link to reset its password is on its way.',
};

describe('forgotten password: the mail and the reset', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    // A trailing slash, as an operator may well write it: the links must not get two.
    h = await AuthHarness.start('auth_reset', { PUBLIC_BASE_URL: `${BASE_URL}/` });
  });

  afterAll(async () => {
    await h.close();
  });

  it('mails a link that sets a new password and ends every earlier session and access token', async () => {
    const user = await h.register();
    const first = await h.loginAs(user);
    const second = await h.loginAs(user);

    const forgot = await h.forgot(user.email);
    const { mail, token } = await resetLinkFor(h, user);

    expect(forgot.status).toBe(202);
    expect(forgot.body).toEqual(ACCEPTED);
    expect(mail.to).toEqual([user.email]);
    expect(mail.subject).toBe('Reset your password');
    const link = `${BASE_URL}/account/reset-password#token=${token}`;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // On a line of its own, whole: a reader copies it, a mail client makes it clickable.
    expect(mail.text.split('\n')).toContain(link);
    expect(mailLink(mail, 'reset-password').href).toBe(link);
    expect(mail.html).toContain(`<a href="${link}">`);
    expect(mail.text).toContain('expires in 30 minutes');

    const password = newPassword();
    h.remember(password);
    const res = await reset(h, token, password);
    expect(res.status).toBe(204);

    expect((await h.login(user.email, password)).status).toBe(200);
    expectProblem(await h.login(user.email, user.password), 401, 'Invalid email or password');
    for (const session of [first, second]) {
      const refresh = await h.api.post('/api/v1/auth/refresh').set('Cookie', session.refreshCookie);
      expectProblem(refresh, 401, 'Invalid or expired refresh token');
      const sessions = await h.api
        .get('/api/v1/auth/sessions')
        .set('Authorization', bearer(session.accessToken));
      expect(sessions.status).toBe(401);
    }
    const notice = await h.mail.waitFor({ to: user.email, subject: 'Your password was reset' });
    expect(notice.text).toContain('every session was signed out');
    expect(notice.html).toContain('<p>');
    const events = await allEventsText(h);
    for (const secret of [token, user.email, password]) expect(events).not.toContain(secret);
    expect(events).toContain('auth.password_reset.completed');
    expect(h.leakedSecrets()).toEqual([]);
  });

  it('answers an unknown address with the identical 202 and mails it nothing', async () => {
    const user = await h.register();
    const ghost = ghostEmail();

    const unknown = await h.forgot(ghost);
    const known = await h.forgot(user.email);

    expect(unknown.status).toBe(202);
    expect(asSeen(unknown)).toEqual(asSeen(known));
    expect(Object.keys(unknown.headers).sort()).toEqual(Object.keys(known.headers).sort());
    await resetLinkFor(h, user);
    // The lookup runs after the answer: its audit record says it is over.
    await waitForEvent(
      h,
      'auth.password_reset.requested',
      (e) => (e.data as { email_masked?: string }).email_masked === maskEmail(ghost),
    );
    expect(mailTo(h, ghost)).toEqual([]);
  });

  it('mails nothing to an account user-service reports inactive', async () => {
    const user = await h.register();
    h.users.deactivate(user.id);

    const res = await h.forgot(user.email);

    expect(res.status).toBe(202);
    expect(res.body).toEqual(ACCEPTED);
    await waitForEvent(
      h,
      'auth.password_reset.requested',
      (e) =>
        e.subject?.user_id === user.id && (e.data as { reason?: string }).reason === 'inactive',
    );
    expect(mailTo(h, user.email).filter((m) => m.subject === 'Reset your password')).toEqual([]);
  });

  it('sends at most 3 links an hour to one address; every request still gets its 202', async () => {
    const user = await h.register();

    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push(await h.forgot(user.email));
    for (let i = 0; i < 3; i += 1) await resetLinkFor(h, user);
    await waitForEvent(
      h,
      'auth.password_reset.requested',
      (e) => e.subject === undefined && (e.data as { reason?: string }).reason === 'throttled',
    );

    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    expect(answers.map(asSeen)).toEqual(Array(4).fill(asSeen(answers[0]!)));
    expect(mailTo(h, user.email).filter((m) => m.subject === 'Reset your password')).toHaveLength(
      3,
    );
    const throttled = (await eventsOf(h, 'auth.password_reset.requested')).filter(
      (e) => (e.data as { reason?: string }).reason === 'throttled',
    );
    expect(JSON.stringify(throttled)).not.toContain(user.email);
    expect(h.leakedSecrets()).toEqual([]);
  });
});
