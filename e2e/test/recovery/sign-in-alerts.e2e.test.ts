import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { deviceCookieOf, mailSettled, mailsTo } from '../../support/auth-flows.js';
import { loginAs, registerUser, startSystem, type System } from '../../support/system.js';

const ALERT = 'New sign-in to your account';

describe('sign-in alerts: a browser the account has not seen mails the owner', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem('recovery_alerts');
  });

  afterAll(async () => {
    await system.close();
  });

  const login = (email: string, password: string, cookie?: string) => {
    const call = request(system.gateway)
      .post('/api/v1/auth/login')
      .set('User-Agent', 'Recovery-Test-Browser/1.0');
    return (cookie ? call.set('Cookie', cookie) : call).send({ email, password });
  };
  /** The alerts the owner has received once every mail committed so far was delivered. */
  const alertsAfterDelivery = async (email: string) => {
    await mailSettled(system.authDatabaseUrl);
    return mailsTo(system.mail, email, ALERT);
  };

  it('alerts on a new browser, stays quiet on a known one, and never once the owner turns alerts off', async () => {
    const user = await registerUser(system.gateway);
    // The account's very first login is not news to its owner.
    const first = await login(user.email, user.password);
    const device = deviceCookieOf(first);
    expect(first.status).toBe(200);
    expect(device).toBeDefined();
    expect(await alertsAfterDelivery(user.email)).toHaveLength(0);

    expect((await login(user.email, user.password)).status).toBe(200);
    const alert = await system.mail.waitFor({ to: user.email, subject: ALERT });
    expect(alert.text).toContain('Recovery-Test-Browser/1.0');
    expect(alert.text).not.toContain('#token=');

    expect((await login(user.email, user.password, device)).status).toBe(200);
    expect(await alertsAfterDelivery(user.email)).toHaveLength(1);

    const session = await loginAs(system.gateway, user);
    const off = await request(system.gateway)
      .put('/api/v1/users/me')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ sign_in_alerts: false });
    expect(off.status).toBe(200);
    // The setting is the owner's, not part of the user object: its own route reads it back.
    expect(off.body).not.toHaveProperty('sign_in_alerts');
    const settings = await request(system.gateway)
      .get('/api/v1/users/me/settings')
      .set('Authorization', `Bearer ${session.accessToken}`);
    expect(settings.status).toBe(200);
    expect(settings.body).toEqual({ sign_in_alerts: false });
    expect((await login(user.email, user.password)).status).toBe(200);
    // Two alerts: the second login and loginAs above (a new browser too); none after turning off.
    expect(await alertsAfterDelivery(user.email)).toHaveLength(2);
  });
});
