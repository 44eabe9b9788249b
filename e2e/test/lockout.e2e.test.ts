import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { registerUser, startSystem, type System } from '../support/system.js';

const GENERIC = 'Invalid email or password';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const randomIp = () =>
  `10.${String(Math.floor(Math.random() * 250))}.${String(Math.floor(Math.random() * 250))}.${String(Math.floor(Math.random() * 250) + 1)}`;

describe('brute-force protection and the runtime security policy', () => {
  let system: System;

  beforeAll(async () => {
    // The test client plays several addresses behind a trusted proxy (itself).
    system = await startSystem('lockout', {
      gateway: { TRUSTED_PROXIES: '127.0.0.1/32,::1/128' },
      auth: { LOGIN_FAILURES_PER_IP_PER_DAY: '12' },
    });
  });

  afterAll(async () => {
    await system.close();
  });

  const login = (email: string, password: string, ip: string) =>
    request(system.gateway)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', ip)
      .send({ email, password });
  const bodyOf = (res: request.Response) => ({ ...(res.body as object), request_id: undefined });

  /** Fails `count` times, one fresh address each, so only the account counter adds up. */
  async function failFromManyIps(email: string, count: number): Promise<request.Response[]> {
    const results: request.Response[] = [];
    for (let i = 0; i < count; i += 1)
      results.push(await login(email, 'Wrong-Pass-123!', randomIp()));
    return results;
  }

  it('locks the account after the policy failures; the right password then gets the same 401 as a wrong one', async () => {
    const user = await registerUser(system.gateway);

    const failures = await failFromManyIps(user.email, 5);
    const locked = await login(user.email, user.password, randomIp());

    for (const res of [...failures, locked]) {
      expect(res.status).toBe(401);
      expect((res.body as { detail: string }).detail).toBe(GENERIC);
    }
    expect(bodyOf(locked)).toEqual(bodyOf(failures[0]!));
  });

  it('answers an unknown email exactly like a known one, attempt for attempt', async () => {
    const known = await registerUser(system.gateway);
    const unknown = `ghost.${randomUUID().slice(0, 8)}@example.com`;

    const knownRun = await failFromManyIps(known.email, 6);
    const unknownRun = await failFromManyIps(unknown, 6);

    expect(knownRun.map((r) => r.status)).toEqual(unknownRun.map((r) => r.status));
    expect(knownRun.map(bodyOf).map((b) => ({ ...b, instance: undefined }))).toEqual(
      unknownRun.map(bodyOf).map((b) => ({ ...b, instance: undefined })),
    );
  });

  it('an attacker failing from one address does not keep the owner out from another (pair block, not a lock)', async () => {
    const victim = await registerUser(system.gateway);
    const attacker = randomIp();
    for (let i = 0; i < 4; i += 1) await login(victim.email, 'Wrong-Pass-123!', attacker);
    // The attacker's pair now waits...
    expect((await login(victim.email, victim.password, attacker)).status).toBe(401);

    // ...while the owner, elsewhere, gets in: 4 failures is below the account threshold of 5.
    const owner = await login(victim.email, victim.password, randomIp());
    expect(owner.status).toBe(200);
  });

  it('the pair waits a growing delay, and a successful login clears its counter', async () => {
    // Room for eight failures on the account, so only the pair's own counter is in play.
    const admin = await system.userWithRole('admin');
    const asAdmin = `Bearer ${admin.accessToken}`;
    await request(system.gateway)
      .put('/api/v1/admin/config')
      .set('Authorization', asAdmin)
      .send({ max_login_attempts: 10 });
    const user = await registerUser(system.gateway);
    const ip = randomIp();
    for (let i = 0; i < 3; i += 1) await login(user.email, 'Wrong-Pass-123!', ip);
    await login(user.email, 'Wrong-Pass-123!', ip); // 4th failure: 1 s wait

    expect((await login(user.email, user.password, ip)).status).toBe(401);
    await sleep(1100);
    expect((await login(user.email, user.password, ip)).status).toBe(200);
    // Cleared: three more failures are free again.
    for (let i = 0; i < 3; i += 1) await login(user.email, 'Wrong-Pass-123!', ip);
    expect((await login(user.email, user.password, ip)).status).toBe(200);
    await request(system.gateway)
      .put('/api/v1/admin/config')
      .set('Authorization', asAdmin)
      .send({ max_login_attempts: 5 });
  });

  it('an admin unlock restores login; a non-admin cannot unlock (403)', async () => {
    const admin = await system.userWithRole('admin');
    const moderator = await system.userWithRole('moderator');
    const user = await registerUser(system.gateway);
    await failFromManyIps(user.email, 5);
    expect((await login(user.email, user.password, randomIp())).status).toBe(401);

    const denied = await request(system.gateway)
      .post(`/api/v1/admin/users/${user.id}/unlock`)
      .set('Authorization', `Bearer ${moderator.accessToken}`);
    const unlocked = await request(system.gateway)
      .post(`/api/v1/admin/users/${user.id}/unlock`)
      .set('Authorization', `Bearer ${admin.accessToken}`);

    expect(denied.status).toBe(403);
    expect(unlocked.status).toBe(204);
    expect((await login(user.email, user.password, randomIp())).status).toBe(200);
  });

  it('too many failures from one address in a day block the address with 429', async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 13; i += 1) {
      statuses.push(
        (await login(`spray.${randomUUID().slice(0, 8)}@example.com`, 'Wrong-Pass-123!', ip))
          .status,
      );
    }

    expect(statuses.slice(0, 12)).toEqual(Array(12).fill(401));
    const blocked = await login(
      `spray.${randomUUID().slice(0, 8)}@example.com`,
      'Wrong-Pass-123!',
      ip,
    );
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  describe('GET/PUT /api/v1/admin/config', () => {
    it('returns the policy in force, and a change applies to the very next login', async () => {
      const admin = await system.userWithRole('admin');
      const auth = `Bearer ${admin.accessToken}`;
      const before = await request(system.gateway)
        .get('/api/v1/admin/config')
        .set('Authorization', auth);
      expect(before.status).toBe(200);
      expect(before.body).toMatchObject({
        max_login_attempts: 5,
        lockout_duration_minutes: 30,
        password_policy: 'composition',
      });

      const put = await request(system.gateway)
        .put('/api/v1/admin/config')
        .set('Authorization', auth)
        .send({ max_login_attempts: 3 });
      expect(put.status).toBe(200);
      expect((put.body as { max_login_attempts: number }).max_login_attempts).toBe(3);

      const user = await registerUser(system.gateway);
      await failFromManyIps(user.email, 3);
      expect((await login(user.email, user.password, randomIp())).status).toBe(401);

      await request(system.gateway)
        .put('/api/v1/admin/config')
        .set('Authorization', auth)
        .send({ max_login_attempts: 5 });
    });

    it('applies the password policy to registration', async () => {
      const admin = await system.userWithRole('admin');
      const auth = `Bearer ${admin.accessToken}`;
      await request(system.gateway)
        .put('/api/v1/admin/config')
        .set('Authorization', auth)
        .send({ password_policy: 'asvs', password_min_length: 14 });
      const tag = randomUUID().slice(0, 8);

      const short = await request(system.gateway)
        .post('/api/v1/auth/register')
        .send({ username: `p_${tag}`, email: `p.${tag}@example.com`, password: 'Str0ng-Pass!' });
      const longPlain = await request(system.gateway)
        .post('/api/v1/auth/register')
        .send({
          username: `q_${tag}`,
          email: `q.${tag}@example.com`,
          password: 'correct horse battery staple',
        });
      await request(system.gateway)
        .put('/api/v1/admin/config')
        .set('Authorization', auth)
        .send({ password_policy: 'composition', password_min_length: 8 });

      expect(short.status).toBe(400);
      expect((short.body as { detail: string }).detail).toBe(
        'Password must be at least 14 characters long',
      );
      expect(longPlain.status).toBe(201);
    });

    it.each([
      [{ max_login_attempts: 0 }],
      [{ max_login_attempts: 1_000_000_000 }],
      [{ lockout_duration_minutes: 0 }],
      [{ password_min_length: 4 }],
      [{ password_policy: 'asvs', password_min_length: 8 }],
      [{ login_rate_limit: { points: 0, duration_seconds: 60 } }],
      [{ unknown_setting: true }],
      [{}],
    ])('refuses %j with 422', async (body) => {
      const admin = await system.userWithRole('admin');

      const res = await request(system.gateway)
        .put('/api/v1/admin/config')
        .set('Authorization', `Bearer ${admin.accessToken}`)
        .send(body);

      expect(res.status).toBe(422);
    });

    it('is admin-only: a moderator can neither read nor change it', async () => {
      const moderator = await system.userWithRole('moderator');
      const auth = `Bearer ${moderator.accessToken}`;

      expect(
        (await request(system.gateway).get('/api/v1/admin/config').set('Authorization', auth))
          .status,
      ).toBe(403);
      expect(
        (
          await request(system.gateway)
            .put('/api/v1/admin/config')
            .set('Authorization', auth)
            .send({ max_login_attempts: 3 })
        ).status,
      ).toBe(403);
    });
  });
});
