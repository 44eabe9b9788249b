import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { QueryTypes } from 'sequelize';
import request from 'supertest';

import { ROLES } from '@secure-api/shared/auth';
import { createEvent, EVENT_TYPES, type AnySecurityEvent } from '@secure-api/shared/events';

import { accessDenied, at } from './support/events.js';
import { FakeUserService, USER_COUNTS, type FakeMode } from './support/fake-user-service.js';
import { AuditHarness } from './support/harness.js';

const ROUTES = [
  '/api/v1/admin/audit',
  '/api/v1/admin/audit/verify',
  '/api/v1/admin/stats',
  '/api/v1/admin/audit/checkpoints',
  '/api/v1/admin/audit/chain',
  `/api/v1/admin/audit/verify/jobs/${crypto.randomUUID()}`,
];

function backupCodesRegenerated(): AnySecurityEvent {
  return createEvent('auth.2fa.backup_codes_regenerated', {
    source: 'auth-service',
    outcome: 'success',
    actor: { user_id: crypto.randomUUID() },
    data: { backup_codes: 10 },
  });
}

describe('GET /api/v1/admin/stats', () => {
  let h: AuditHarness;
  let users: FakeUserService;

  beforeAll(async () => {
    users = await FakeUserService.start();
    h = await AuditHarness.start('audit_stats', { userServiceUrl: users.url });
  });

  afterAll(async () => {
    await h.close();
    await users.close();
  });

  const countsLast24h = async () =>
    new Map(
      (
        await h.sql.query<{ type: string; n: number }>(
          `SELECT type, count(*)::int AS n FROM audit_events
            WHERE occurred_at >= now() - interval '24 hours' GROUP BY type`,
          { type: QueryTypes.SELECT },
        )
      ).map((r) => [r.type, r.n]),
    );

  it('returns user-service’s counts and the last 24 h of events by type, every type listed', async () => {
    const recent = [accessDenied(), accessDenied()];
    const old = at(backupCodesRegenerated(), new Date(Date.now() - 25 * 3600_000));
    await h.publish([...recent, old]);
    expect(await h.waitStored([...recent, old].map((e) => e.id))).toBe(true);
    users.mode = 'ok';

    const before = await countsLast24h();
    const res = await h.get('/api/v1/admin/stats');
    const after = await countsLast24h();

    expect(res.status).toBe(200);
    const body = res.body as { users: unknown; events_last_24h: Record<string, number> };
    expect(body.users).toEqual(USER_COUNTS);
    expect(Object.keys(body.events_last_24h).sort()).toEqual([...EVENT_TYPES].sort());
    // Other test runs publish to the same exchange: the answer lies between two direct counts.
    for (const [type, count] of Object.entries(body.events_last_24h)) {
      expect(count).toBeGreaterThanOrEqual(before.get(type) ?? 0);
      expect(count).toBeLessThanOrEqual(after.get(type) ?? 0);
    }
    expect(body.events_last_24h['gateway.access_denied']).toBeGreaterThanOrEqual(2);
  });

  it('asks user-service with the caller’s own token and the request id', async () => {
    users.mode = 'ok';
    const token = await h.token('admin');

    const res = await request(h.url)
      .get('/api/v1/admin/stats')
      .set('Authorization', `Bearer ${token}`)
      .set('X-Request-ID', 'stats-request-0001');

    expect(res.status).toBe(200);
    expect(users.calls.at(-1)).toEqual({
      path: '/internal/users/stats',
      authorization: `Bearer ${token}`,
      requestId: 'stats-request-0001',
    });
  });

  it.each([
    ['forbidden', 403, 'Insufficient permissions'],
    ['unauthorized', 401, 'Invalid or expired token'],
    ['broken', 502, 'The upstream service is unavailable'],
    ['wrong-shape', 502, 'The upstream service is unavailable'],
    ['slow', 504, 'The upstream service did not answer in time'],
  ] as [FakeMode, number, string][])(
    'when user-service answers %s: %s with a generic problem',
    async (mode, status, detail) => {
      users.mode = mode;

      const res = await h.get('/api/v1/admin/stats');

      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((res.body as { detail: string }).detail).toBe(detail);
      expect(res.text).not.toMatch(/Sequelize|srv|example\.com/);
    },
  );
});

describe('GET /api/v1/admin/stats with user-service unreachable', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await AuditHarness.start('audit_stats_down', { userServiceUrl: 'http://127.0.0.1:9' });
  });

  afterAll(async () => {
    await h.close();
  });

  it('answers 502 problem+json', async () => {
    const res = await h.get('/api/v1/admin/stats');

    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('RBAC on the audit routes', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await AuditHarness.start('audit_rbac');
  });

  afterAll(async () => {
    await h.close();
  });

  const cases = ROUTES.flatMap((route) =>
    ROLES.filter((role) => role !== 'admin').map((role) => [route, role] as const),
  );

  it.each(cases)('%s as %s: 403', async (route, role) => {
    const res = await h.get(route, role);

    expect(res.status).toBe(403);
    expect((res.body as { detail: string }).detail).toBe('Insufficient permissions');
  });

  it.each(ROUTES)('%s without a token, or with an expired one: 401', async (route) => {
    const expired = await h.issuer.accessToken({ role: 'admin', expiresIn: -60 });

    const none = await request(h.url).get(route);
    const old = await request(h.url).get(route).set('Authorization', `Bearer ${expired}`);

    for (const res of [none, old]) {
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it.each(ROUTES.slice(0, 2))('%s as admin: 200', async (route) => {
    expect((await h.get(route)).status).toBe(200);
  });
});
