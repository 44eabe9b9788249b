import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { QueryTypes, Sequelize } from 'sequelize';
import request from 'supertest';

import { RevocationStore } from '@secure-api/shared/auth';
import { eventually, MetricsScrape } from '@secure-api/shared/testing';

import { Harness } from './support/harness.js';

describe('user-service metrics on /metrics', () => {
  let h: Harness;
  let sql: Sequelize;

  beforeAll(async () => {
    h = await Harness.start('users_metrics');
    sql = new Sequelize(h.db.url, { logging: false });
  });

  afterAll(async () => {
    await sql.close();
    await h.close();
  });

  const scrape = () => MetricsScrape.of(`${h.url}/metrics`);

  it('counts the revocation check of every bearer it admits or refuses', async () => {
    const { user } = await h.member('user');
    const jti = randomUUID();
    const token = await h.issuer.accessToken({ sub: user.id, role: 'user', jti });
    const getMe = () =>
      request(h.url).get('/api/v1/users/me').set('Authorization', `Bearer ${token}`);
    const before = await scrape();

    const active = await getMe();
    await new RevocationStore(h.redis).revokeToken(jti, Math.floor(Date.now() / 1000) + 900);
    const revoked = await getMe();

    expect([active.status, revoked.status]).toEqual([200, 401]);
    const after = await scrape();
    const checks = (result: string) =>
      after.count('revocation_checks_total', { result }) -
      before.count('revocation_checks_total', { result });
    expect([checks('active'), checks('revoked'), checks('error')]).toEqual([1, 1, 0]);
  });

  it('reports Redis up, the pool bound, and the outbox backlog the table holds', async () => {
    await h.member('user');
    const unsent = async () => {
      const [row] = await sql.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM outbox_events WHERE sent_at IS NULL',
        { type: QueryTypes.SELECT },
      );
      return row?.n ?? -1;
    };

    // The relay delivers within moments: the backlog drains to nothing and the gauges follow.
    const drained = await eventually(
      async () => (await unsent()) === 0 && (await scrape()).value('outbox_pending_events') === 0,
    );
    const metrics = await scrape();

    expect(drained).toBe(true);
    expect(metrics.value('outbox_oldest_pending_age_seconds')).toBe(0);
    expect(metrics.value('redis_up')).toBe(1);
    expect(metrics.value('db_pool_max')).toBe(10);
    expect(metrics.value('db_pool_connections', { state: 'waiting' })).toBe(0);
  });
});
