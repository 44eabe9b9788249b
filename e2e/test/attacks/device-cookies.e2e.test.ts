import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import {
  deviceCookieLine,
  deviceCookieOf,
  enrolTwoFactor,
  codeAt,
  mfaTokenFor,
  outboxEvents,
  randomIp,
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

describe('device cookies: an attacker can lock out strangers, never the owner’s known browser', () => {
  let system: System;

  beforeAll(async () => {
    rememberSecret(WRONG);
    // The test client plays several addresses behind a trusted proxy (itself). Lockout settings
    // are the production defaults: 5 failures in 15 minutes lock for 30 minutes.
    system = await startSystem('attack_device', {
      gateway: { TRUSTED_PROXIES: '127.0.0.1/32,::1/128' },
    });
  });

  afterAll(async () => {
    await system.close();
  });

  const login = (email: string, password: string, ip: string, cookie?: string) => {
    const call = request(system.gateway).post('/api/v1/auth/login').set('X-Forwarded-For', ip);
    return (cookie ? call.set('Cookie', cookie) : call).send({ email, password });
  };
  const detailOf = (res: request.Response) => (res.body as { detail?: string }).detail;

  /** Five cookie-less failures, each from a fresh address: the account lock at its default. */
  async function lockAccount(email: string): Promise<request.Response[]> {
    const results: request.Response[] = [];
    for (let i = 0; i < 5; i += 1) results.push(await login(email, WRONG, randomIp()));
    return results;
  }

  /** The owner logs in once from their browser and keeps the device cookie it was given. */
  async function ownerDevice(user: { email: string; password: string }): Promise<string> {
    const res = await login(user.email, user.password, randomIp());
    expect(res.status).toBe(200);
    const cookie = deviceCookieOf(res);
    expect(cookie).toBeDefined();
    return cookie ?? '';
  }

  it('five failures from an attacker lock the account for cookie-less clients, yet the owner’s browser logs in with the right password', async () => {
    const owner = await registerUser(system.gateway);
    const device = await ownerDevice(owner);

    const attack = await lockAccount(owner.email);
    const cookieLess = await login(owner.email, owner.password, randomIp());
    const known = await login(owner.email, owner.password, randomIp(), device);

    for (const res of [...attack, cookieLess]) {
      expect(res.status).toBe(401);
      expect(detailOf(res)).toBe(GENERIC);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(JSON.stringify(res.body)).not.toContain(owner.password);
    }
    expect(known.status).toBe(200);
    expect((known.body as { access_token?: string }).access_token).toBeDefined();
  });

  it('the device cookie has its own counter: max_login_attempts failures lock that cookie only', async () => {
    const owner = await registerUser(system.gateway);
    const device = await ownerDevice(owner);

    const guesses = [];
    for (let i = 0; i < 5; i += 1)
      guesses.push(await login(owner.email, WRONG, randomIp(), device));
    const lockedDevice = await login(owner.email, owner.password, randomIp(), device);
    const elsewhere = await login(owner.email, owner.password, randomIp());

    for (const res of [...guesses, lockedDevice]) {
      expect(res.status).toBe(401);
      expect(detailOf(res)).toBe(GENERIC);
    }
    expect(elsewhere.status).toBe(200);
  });

  it('a forged or tampered cookie, or another account’s cookie, counts as no cookie', async () => {
    const owner = await registerUser(system.gateway);
    const other = await registerUser(system.gateway);
    const device = await ownerDevice(owner);
    const othersDevice = await ownerDevice(other);
    const [name = '', value = ''] = device.split('=');
    const [otherName = '', otherValue = ''] = othersDevice.split('=');
    const flipped = value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A');
    const presented = [
      `${name}=${flipped}`,
      `${name}=${otherValue}`,
      `${otherName}=${otherValue}`,
      `${name}=${'A'.repeat(value.length)}`,
      `${name}=`,
    ];

    await lockAccount(owner.email);
    const refused = [];
    for (const cookie of presented)
      refused.push(await login(owner.email, owner.password, randomIp(), cookie));
    const genuine = await login(owner.email, owner.password, randomIp(), device);

    for (const res of refused) {
      expect(res.status).toBe(401);
      expect(detailOf(res)).toBe(GENERIC);
    }
    expect(genuine.status).toBe(200);
  });

  it('when an admin turns device trust off, the owner’s browser is held by the lock like any other', async () => {
    const admin = await system.userWithRole('admin');
    const setTrust = (on: boolean) =>
      request(system.gateway)
        .put('/api/v1/admin/config')
        .set('Authorization', `Bearer ${admin.accessToken}`)
        .send({ device_trust: on });
    const owner = await registerUser(system.gateway);
    const device = await ownerDevice(owner);
    await lockAccount(owner.email);

    const off = await setTrust(false);
    let held: request.Response;
    try {
      held = await login(owner.email, owner.password, randomIp(), device);
    } finally {
      await setTrust(true);
    }
    const trustedAgain = await login(owner.email, owner.password, randomIp(), device);

    expect(off.status).toBe(200);
    expect((off.body as { device_trust?: boolean }).device_trust).toBe(false);
    expect(held.status).toBe(401);
    expect(detailOf(held)).toBe(GENERIC);
    expect(trustedAgain.status).toBe(200);
  });

  it('the login success event says whether the browser was new: true, then false', async () => {
    const owner = await registerUser(system.gateway);
    const device = await ownerDevice(owner);

    expect((await login(owner.email, owner.password, randomIp(), device)).status).toBe(200);

    const events = await outboxEvents(system.authDatabaseUrl, 'auth.login.succeeded', owner.id);
    expect(events.map((event) => event.data.new_device)).toEqual([true, false]);
  });

  it('is HttpOnly, Secure, SameSite=Strict, scoped to the login path, kept about a year, and carries no email', async () => {
    const owner = await registerUser(system.gateway);

    const res = await login(owner.email, owner.password, randomIp());

    const line = deviceCookieLine(res) ?? '';
    deviceCookieOf(res);
    expect(line).toMatch(/^device_[A-Za-z0-9_-]+=[A-Za-z0-9_.-]+;/);
    for (const flag of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/api/v1/auth/login'])
      expect(line).toContain(flag);
    const maxAge = Number(/Max-Age=(\d+)/.exec(line)?.[1]);
    expect(maxAge).toBeGreaterThanOrEqual(364 * 86_400);
    expect(maxAge).toBeLessThanOrEqual(366 * 86_400);
    const expires = Date.parse(/Expires=([^;]+)/.exec(line)?.[1] ?? '');
    expect(expires - Date.now()).toBeGreaterThan(364 * 86_400_000);
    const [local = ''] = owner.email.split('@');
    for (const text of [owner.email, local, owner.id, encodeURIComponent(owner.email)])
      expect(line).not.toContain(text);
  });

  it('several accounts in one browser each keep a cookie of their own', async () => {
    const first = await registerUser(system.gateway);
    const second = await registerUser(system.gateway);

    const a = await ownerDevice(first);
    const b = await ownerDevice(second);

    expect(a.split('=')[0]).not.toBe(b.split('=')[0]);
    await lockAccount(first.email);
    await lockAccount(second.email);
    const both = `${a}; ${b}`;
    expect((await login(first.email, first.password, randomIp(), both)).status).toBe(200);
    expect((await login(second.email, second.password, randomIp(), both)).status).toBe(200);
  });

  it('with two-factor on, the device cookie comes with the second step, never with the password alone', async () => {
    const owner = await registerUser(system.gateway);
    const session = await loginAs(system.gateway, owner);
    const { secret } = await enrolTwoFactor(system.gateway, owner, session.accessToken);

    const passwordStep = await login(owner.email, owner.password, randomIp());
    const mfaToken = await mfaTokenFor(system.gateway, owner);
    const secondStep = await request(system.gateway)
      .post('/api/v1/auth/login/2fa')
      .send({ mfa_token: mfaToken, code: await codeAt(secret, 1) });

    expect(passwordStep.headers['set-cookie']).toBeUndefined();
    expect(secondStep.status).toBe(200);
    expect(deviceCookieOf(secondStep)).toBeDefined();
  });
});
