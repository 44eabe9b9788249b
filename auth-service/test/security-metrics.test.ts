import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { MetricsScrape } from '@secure-api/shared/testing';

import { AuthHarness, randomIp, refreshCookieOf } from './support/harness.js';
import { codeAt, enrolTwoFactor } from './support/two-factor.js';

const WRONG = 'Wrong-Pass-123!';
const OUTCOMES = [
  'success',
  'wrong_password',
  'unknown_account',
  'locked',
  'mfa_required',
  'mfa_failed',
  'email_unverified',
] as const;
type Outcome = (typeof OUTCOMES)[number];

describe('auth-service security metrics on /metrics', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_metrics');
  });

  afterAll(async () => {
    await h.close();
  });

  const scrape = () => MetricsScrape.of(`${h.service.url}/metrics`);
  const bearer = (token: string) => `Bearer ${token}`;

  /** auth_logins_total by outcome, every outcome listed (0 where not yet counted). */
  async function logins(): Promise<Map<Outcome, number>> {
    const metrics = await scrape();
    return new Map(
      OUTCOMES.map((outcome) => [outcome, metrics.count('auth_logins_total', { outcome })]),
    );
  }

  /** What changed between two readings, only the outcomes that moved. */
  const moved = (before: Map<Outcome, number>, after: Map<Outcome, number>) =>
    Object.fromEntries(
      OUTCOMES.map((o) => [o, (after.get(o) ?? 0) - (before.get(o) ?? 0)] as const).filter(
        ([, change]) => change !== 0,
      ),
    );

  it('counts a success, a wrong password and an unknown account, one each', async () => {
    const user = await h.register();
    const before = await logins();

    expect((await h.login(user.email, user.password)).status).toBe(200);
    expect((await h.login(user.email, WRONG)).status).toBe(401);
    expect((await h.login(`ghost.${randomUUID().slice(0, 8)}@example.com`, WRONG)).status).toBe(
      401,
    );

    expect(moved(before, await logins())).toEqual({
      success: 1,
      wrong_password: 1,
      unknown_account: 1,
    });
  });

  it('counts the refusal of a locked account as locked, after five wrong passwords', async () => {
    const user = await h.register();
    const before = await logins();

    for (let i = 0; i < 5; i += 1) expect((await h.login(user.email, WRONG)).status).toBe(401);
    const locked = await h.login(user.email, user.password, randomIp());

    expect(locked.status).toBe(401);
    expect(moved(before, await logins())).toEqual({ wrong_password: 5, locked: 1 });
  });

  it('counts the right password of an unverified address as email_unverified while the gate is on', async () => {
    const admin = await h.adminToken();
    const gate = (on: boolean) =>
      h.api
        .put('/api/v1/admin/config')
        .set('Authorization', bearer(admin))
        .send({ require_verified_email: on });
    const user = await h.register();
    expect((await gate(true)).status).toBe(200);
    try {
      const before = await logins();

      const res = await h.login(user.email, user.password);

      expect(res.status).toBe(403);
      expect(moved(before, await logins())).toEqual({ email_unverified: 1 });
    } finally {
      expect((await gate(false)).status).toBe(200);
    }
  });

  it('with 2FA on: mfa_required for the password, mfa_failed for a wrong code, success for the right one', async () => {
    const { user, secret } = await enrolled();
    const before = await logins();

    const step = await h.login(user.email, user.password);
    const mfaToken = (step.body as { mfa_token: string }).mfa_token;
    h.remember(mfaToken);
    const second = (code: string) =>
      h.api.post('/api/v1/auth/login/2fa').send({ mfa_token: mfaToken, code });
    const codeNow = await codeAt(secret, 1);
    const wrong = await second(String((Number(codeNow) + 500_000) % 1_000_000).padStart(6, '0'));
    const right = await second(codeNow);

    expect([step.status, wrong.status, right.status]).toEqual([200, 401, 200]);
    h.remember((right.body as { access_token: string }).access_token);
    expect(moved(before, await logins())).toEqual({ mfa_required: 1, mfa_failed: 1, success: 1 });
  });

  it('counts a reused refresh token once, and the revocation checks it causes', async () => {
    const user = await h.register();
    const { refreshCookie: first } = await h.loginAs(user);
    const refresh = (cookie: string) => h.api.post('/api/v1/auth/refresh').set('Cookie', cookie);
    const second = await refresh(first);
    const secondToken = (second.body as { access_token: string }).access_token;
    h.remember(secondToken);
    const third = await refresh(refreshCookieOf(second) ?? '');
    expect(third.status).toBe(200);
    const sessions = () =>
      h.api.get('/api/v1/auth/sessions').set('Authorization', bearer(secondToken));
    const before = await scrape();

    const active = await sessions();
    const reuse = await refresh(first);
    const revoked = await sessions();

    expect([active.status, reuse.status, revoked.status]).toEqual([200, 401, 401]);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      after.count(name, labels) - before.count(name, labels);
    expect(delta('auth_refresh_reuse_detected_total')).toBe(1);
    expect(delta('revocation_checks_total', { result: 'active' })).toBe(1);
    expect(delta('revocation_checks_total', { result: 'revoked' })).toBe(1);
    expect(delta('revocation_checks_total', { result: 'error' })).toBe(0);
  });

  it('labels logins only by outcome: no address, user or email on any series', async () => {
    const metrics = await scrape();

    for (const labels of metrics.labelsOf('auth_logins_total')) {
      expect(Object.keys(labels).sort()).toEqual(['outcome', 'service']);
      expect(OUTCOMES).toContain(labels.outcome);
    }
    expect(metrics.text).not.toMatch(/@example\.com|10\.\d+\.\d+\.\d+/);
  });

  const enrolled = () => enrolTwoFactor(h);
});
