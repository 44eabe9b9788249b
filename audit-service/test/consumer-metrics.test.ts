import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { eventually, MetricsScrape } from '@secure-api/shared/testing';

import { loginSucceeded, roleChanged } from './support/events.js';
import { AuditHarness } from './support/harness.js';
import { CHAIN_WRITER_LOCK, holding } from './support/tamper.js';

/**
 * The consumer's metrics after real deliveries. This file's queue is bound to the shared exchange,
 * so other runs' events may arrive too: where they could move a count, the test asserts how two
 * metrics move together, and a floor for its own messages.
 */
describe('audit-service consumer metrics on /metrics', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    // guest may publish auth-service's events only: a user-service event from it is unproven.
    h = await AuditHarness.start('audit_consumer_metrics', {
      env: { EVENT_PRODUCERS: 'guest:auth-service' },
    });
  });

  afterAll(async () => {
    await h.close();
  });

  const scrape = () => MetricsScrape.of(`${h.url}/metrics`);
  const deadLetterDepth = async () => (await h.channel.checkQueue(h.deadLetterQueue)).messageCount;

  it('counts every dead-lettered message by reason, and the dead-letter queue depth the broker reports', async () => {
    await h.drainDeadLetters();
    const before = await scrape();
    const ids = [randomUUID(), randomUUID(), randomUUID()];

    h.sendRaw(Buffer.from('{"id": "broken'), ids[0]!);
    h.sendRaw(Buffer.from(JSON.stringify({ not: 'an event' })), ids[1]!);
    h.sendRaw(Buffer.from(JSON.stringify(roleChanged(randomUUID(), randomUUID()))), ids[2]!, {
      userId: 'guest',
    });

    expect(await eventually(async () => (await deadLetterDepth()) >= 3)).toBe(true);
    const agreed = await eventually(async () => {
      const depth = (await scrape()).value('audit_queue_messages', { queue: 'dead_letter' });
      return depth === (await deadLetterDepth());
    });
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      after.count(name, labels) - before.count(name, labels);

    expect(agreed).toBe(true);
    expect(after.value('audit_queue_messages', { queue: 'dead_letter' })).toBeGreaterThanOrEqual(3);
    expect(delta('audit_dead_lettered_total', { reason: 'invalid' })).toBeGreaterThanOrEqual(2);
    expect(delta('audit_dead_lettered_total', { reason: 'invalid' })).toBe(
      delta('audit_invalid_messages_total'),
    );
    expect(delta('audit_dead_lettered_total', { reason: 'unproven' })).toBeGreaterThanOrEqual(1);
    expect(delta('audit_dead_lettered_total', { reason: 'unproven' })).toBe(
      delta('audit_events_unproven_total'),
    );
    const dead = await h.drainDeadLetters();
    expect(ids.every((id) => dead.includes(id))).toBe(true);
  });

  it('observes the lag of every stored event: one that occurred two minutes ago lands between 60 s and 300 s', async () => {
    const before = await scrape();
    const late = { ...loginSucceeded(), occurred_at: new Date(Date.now() - 120_000).toISOString() };
    const events = [late, loginSucceeded(), loginSucceeded()];

    await h.publish(events);

    expect(await h.waitStored(events.map((e) => e.id))).toBe(true);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      after.count(name, labels) - before.count(name, labels);
    expect(delta('audit_consumer_lag_seconds_count')).toBeGreaterThanOrEqual(3);
    expect(delta('audit_consumer_lag_seconds_count')).toBe(delta('audit_events_stored_total'));
    expect(
      delta('audit_consumer_lag_seconds_bucket', { le: '300' }) -
        delta('audit_consumer_lag_seconds_bucket', { le: '60' }),
    ).toBe(1);
  });

  it('reports the events waiting in the queue while the chain cannot be written', async () => {
    // The harness's prefetch is 50: beyond it, messages wait in the queue as ready.
    const events = Array.from({ length: 70 }, () => loginSucceeded());

    const waiting = await holding(h.sql, CHAIN_WRITER_LOCK, async () => {
      await h.publish(events);
      let seen = 0;
      await eventually(async () => {
        seen = (await scrape()).value('audit_queue_messages', { queue: 'events' }) ?? 0;
        return seen >= 20;
      });
      return seen;
    });

    expect(waiting).toBeGreaterThanOrEqual(20);
    expect(
      await h.waitStored(
        events.map((e) => e.id),
        30_000,
      ),
    ).toBe(true);
    expect(
      await eventually(
        async () => (await scrape()).value('audit_queue_messages', { queue: 'events' }) === 0,
      ),
    ).toBe(true);
  });
});
