import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  closedPort,
  MetricsScrape,
  requestDuringRedisCut,
  TcpProxy,
  testUrls,
} from '@secure-api/shared/testing';

import { AuthHarness } from './support/harness.js';

/**
 * Redis behind a proxy the test can cut, and no broker at all: the outbox keeps every event, and
 * the metrics must say so.
 */
describe('auth-service dependency metrics on /metrics', () => {
  let h: AuthHarness;
  let redis: TcpProxy;
  let startedAt: number;

  beforeAll(async () => {
    redis = await TcpProxy.forUrl(testUrls.redis).start();
    startedAt = Date.now();
    h = await AuthHarness.start('auth_dep_metrics', {
      REDIS_URL: redis.urlFor(testUrls.redis),
      AMQP_URL: `amqp://guest:guest@127.0.0.1:${await closedPort()}`,
    });
  });

  afterAll(async () => {
    await h.close();
    await redis.stop();
  });

  const scrape = () => MetricsScrape.of(`${h.service.url}/metrics`);

  it('reports the outbox backlog and the age of its oldest event while the broker is away', async () => {
    await h.register();
    await h.register();

    const metrics = await scrape();
    const [row] = await h.sql<{ pending: number; oldest: Date }>(
      'SELECT count(*)::int AS pending, min(created_at) AS oldest FROM outbox_events WHERE sent_at IS NULL',
    );

    expect(row?.pending).toBeGreaterThanOrEqual(2);
    expect(metrics.value('outbox_pending_events')).toBe(row?.pending);
    const age = metrics.value('outbox_oldest_pending_age_seconds') ?? -1;
    expect(age).toBeGreaterThan(0);
    expect(age).toBeLessThanOrEqual((Date.now() - (row?.oldest.getTime() ?? startedAt)) / 1000 + 1);
  });

  it('reports the database pool: its bound and its connections by state', async () => {
    const metrics = await scrape();

    expect(metrics.value('db_pool_max')).toBe(10);
    expect(
      metrics
        .labelsOf('db_pool_connections')
        .map((l) => l.state)
        .sort(),
    ).toEqual(['idle', 'used', 'waiting']);
    const open =
      metrics.count('db_pool_connections', { state: 'used' }) +
      metrics.count('db_pool_connections', { state: 'idle' });
    expect(open).toBeGreaterThanOrEqual(1);
    expect(open).toBeLessThanOrEqual(10);
    expect(metrics.value('db_pool_connections', { state: 'waiting' })).toBe(0);
  });

  it('says redis_up 0 while Redis is cut off, counts the refused revocation check as error, and 1 again once it is back', async () => {
    const user = await h.register();
    const { accessToken } = await h.loginAs(user);
    const sessions = () =>
      h.api.get('/api/v1/auth/sessions').set('Authorization', `Bearer ${accessToken}`);

    const { response, seen } = await requestDuringRedisCut(redis, scrape, sessions);

    expect(response.status).toBe(503);
    expect(seen).toEqual({ redisUpBefore: 1, wentDown: true, errorChecks: 1, cameBack: true });
    expect((await sessions()).status).toBe(200);
  });
});
