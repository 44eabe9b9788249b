import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type request from 'supertest';

import { AuthHarness, randomIp, type TestUser } from './support/harness.js';
import { eventsOf, mailSettled, mailTo, VERIFY_SUBJECT } from './support/recovery.js';

const ALERT = 'New sign-in to your account';

/** The `device_...=...` pair a login set, ready for a Cookie header. */
function deviceCookieOf(res: request.Response): string {
  const cookies = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  const pair = cookies.find((c) => c.startsWith('device_'))?.split(';')[0];
  expect(pair).toBeDefined();
  return pair ?? '';
}

describe('sign-in alerts: a login from a browser not seen before mails the owner', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_alerts');
  });

  afterAll(async () => {
    await h.close();
  });

  function login(user: TestUser, options: { cookie?: string; userAgent?: string; ip?: string }) {
    let req = h.api
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', options.ip ?? randomIp())
      .set('User-Agent', options.userAgent ?? 'jest');
    if (options.cookie) req = req.set('Cookie', options.cookie);
    return req.send({ email: user.email, password: user.password });
  }

  /** A registered user whose verification mail is read, so only alerts remain to arrive. */
  async function registered(): Promise<TestUser> {
    const user = await h.register();
    await h.mail.waitFor({ to: user.email, subject: VERIFY_SUBJECT });
    return user;
  }

  const alertsTo = (user: TestUser) => mailTo(h, user.email).filter((m) => m.subject === ALERT);

  const newDeviceEvents = async (user: TestUser) =>
    (await eventsOf(h, 'auth.login.new_device'))
      .filter((e) => e.subject?.user_id === user.id)
      .map((e) => e.data as { alerted: boolean });

  it('the first login ever is not alerted; a second browser is; a known browser is not', async () => {
    const user = await registered();
    const userAgent = 'Mozilla/5.0 <script>alert(1)</script> Firefox/140.0';

    const first = await login(user, {});
    await mailSettled(h);
    expect(alertsTo(user)).toEqual([]);
    const second = await login(user, { userAgent, ip: '10.20.30.40' });
    const alert = await h.mail.waitFor({ to: user.email, subject: ALERT });
    const known = await login(user, { cookie: deviceCookieOf(second) });
    await mailSettled(h);

    for (const res of [first, second, known]) expect(res.status).toBe(200);
    expect(alert.text).toContain('Address: 10.20.30.40');
    expect(alert.text).toContain(`Device: ${userAgent}`);
    // The user agent is the client's to write: in the HTML part it is text, never markup.
    expect(alert.html).not.toContain('<script>');
    expect(alert.html).toContain('&lt;script&gt;');
    expect(alertsTo(user)).toHaveLength(1);
    expect(await newDeviceEvents(user)).toEqual([{ alerted: false }, { alerted: true }]);
  });

  it('an account whose old sessions were all purged is still no first login: a new browser is alerted', async () => {
    const user = await registered();
    expect((await login(user, {})).status).toBe(200);
    // What a retention purge leaves of a dormant account: no session row at all.
    await h.sql('DELETE FROM sessions WHERE user_id = :id', { id: user.id });

    const res = await login(user, { ip: '10.20.30.41' });
    const alert = await h.mail.waitFor({ to: user.email, subject: ALERT });

    expect(res.status).toBe(200);
    expect(alert.text).toContain('Address: 10.20.30.41');
  });

  it('an owner who turned alerts off gets none, and the new device is still recorded', async () => {
    const user = await registered();
    expect((await login(user, {})).status).toBe(200);
    const profile = h.users.profiles.get(user.id);
    if (profile) profile.sign_in_alerts = false;

    const res = await login(user, {});
    await mailSettled(h);

    expect(res.status).toBe(200);
    expect(alertsTo(user)).toEqual([]);
    expect(await newDeviceEvents(user)).toEqual([{ alerted: false }, { alerted: false }]);
  });
});
