import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type request from 'supertest';

import { MetricsScrape } from '@secure-api/shared/testing';

import { AuthHarness, randomIp, type TestUser } from './support/harness.js';

// Argon2 slow enough (tens of milliseconds) that a burst of logins really queues.
const SLOW_ARGON2 = { ARGON2_TIME_COST: '3', ARGON2_MEMORY_COST: '32768' };

/** Fires `count` logins at once with the right password, each from its own address. */
async function burst(h: AuthHarness, user: TestUser, count: number): Promise<request.Response[]> {
  return Promise.all(
    Array.from({ length: count }, () => h.login(user.email, user.password, randomIp())),
  );
}

const statuses = (responses: request.Response[], status: number) =>
  responses.filter((r) => r.status === status).length;

describe('the Argon2 queue on /metrics: one slot, room for one waiter', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_hashq_full', {
      ...SLOW_ARGON2,
      HASH_CONCURRENCY: '1',
      HASH_QUEUE_MAX: '1',
      HASH_QUEUE_MAX_WAIT_MS: '60000',
    });
  });

  afterAll(async () => {
    await h.close();
  });

  const scrape = () => MetricsScrape.of(`${h.service.url}/metrics`);

  it('observes every hash that ran in the wait histogram and counts every 503 as full', async () => {
    const user = await h.register();
    const before = await scrape();

    let deepest = 0;
    const logins = burst(h, user, 6);
    const burstState = { settled: false };
    void logins.finally(() => {
      burstState.settled = true;
    });
    while (!burstState.settled) {
      deepest = Math.max(deepest, (await scrape()).count('auth_hash_queue_depth'));
    }
    const responses = await logins;
    const after = await scrape();

    const served = statuses(responses, 200);
    const refused = statuses(responses, 503);
    expect(served + refused).toBe(6);
    expect(refused).toBeGreaterThanOrEqual(1);
    const delta = (name: string, labels: Record<string, string> = {}) =>
      after.count(name, labels) - before.count(name, labels);
    expect(delta('auth_hash_queue_wait_seconds_count')).toBe(served);
    expect(delta('auth_hash_queue_rejections_total', { reason: 'full' })).toBe(refused);
    expect(delta('auth_hash_queue_rejections_total', { reason: 'wait' })).toBe(0);
    // One running and one waiting at most; none once the burst is over.
    expect(deepest).toBeGreaterThanOrEqual(1);
    expect(deepest).toBeLessThanOrEqual(2);
    expect(after.value('auth_hash_queue_depth')).toBe(0);
  });
});

describe('the Argon2 queue on /metrics: a wait limit of 1 ms', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_hashq_wait', {
      ...SLOW_ARGON2,
      HASH_CONCURRENCY: '1',
      HASH_QUEUE_MAX: '100',
      HASH_QUEUE_MAX_WAIT_MS: '1',
    });
  });

  afterAll(async () => {
    await h.close();
  });

  it('counts the hashes refused for their wait as wait, not full', async () => {
    const user = await h.register();
    const before = await MetricsScrape.of(`${h.service.url}/metrics`);

    const responses = await burst(h, user, 4);
    const after = await MetricsScrape.of(`${h.service.url}/metrics`);

    const refused = statuses(responses, 503);
    expect(statuses(responses, 200) + refused).toBe(4);
    expect(refused).toBeGreaterThanOrEqual(1);
    const rejections = (reason: string) =>
      after.count('auth_hash_queue_rejections_total', { reason }) -
      before.count('auth_hash_queue_rejections_total', { reason });
    expect(rejections('wait')).toBe(refused);
    expect(rejections('full')).toBe(0);
  });
});
