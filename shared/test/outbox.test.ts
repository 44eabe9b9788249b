import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';

import { InvalidEventError, type AnySecurityEvent } from '@secure-api/shared/events';
import { OutboxRelay, writeOutboxEvent } from '@secure-api/shared/outbox';

import { CountingSink, FailingSink, loginEvent, OutboxFixture } from './support/outbox-fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function ids(events: AnySecurityEvent[]): string[] {
  return events.map((e) => e.id);
}

describe('transactional outbox and relay', () => {
  let f: OutboxFixture;

  beforeAll(async () => {
    f = await OutboxFixture.start('outbox');
  });

  afterAll(async () => {
    await f.close();
  });

  afterEach(() => {
    f.proxy.restore();
  });

  it('events written in a rolled-back transaction are never published', async () => {
    const rolledBack = loginEvent();
    const marker = loginEvent();
    await expect(
      f.sequelize.transaction(async (t) => {
        await writeOutboxEvent(f.sequelize, t, rolledBack);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await f.commit([marker]);
    const relay = f.relay();

    relay.start();
    expect(await f.tap.waitFor([marker.id])).toBe(true);
    await relay.stop();

    expect(f.tap.countOf(rolledBack.id)).toBe(0);
    expect(await f.rows([rolledBack.id])).toEqual([]);
  });

  it('committed events arrive exactly once, persistent, keyed by type and id, and are marked sent', async () => {
    const events = Array.from({ length: 60 }, loginEvent);
    await f.commit(events.slice(0, 30));
    await f.commit(events.slice(30));
    const relay = f.relay({ batchSize: 25 });

    relay.start();
    expect(await f.tap.waitFor(ids(events))).toBe(true);
    await sleep(300);
    await relay.stop();

    const messages = f.tap.messagesFor(ids(events));
    expect(messages).toHaveLength(60);
    expect(new Set(messages.map((m) => m.id)).size).toBe(60);
    const first = messages.find((m) => m.id === events[0]!.id);
    expect(first).toMatchObject({
      routingKey: 'auth.login.succeeded',
      persistent: true,
      contentType: 'application/json',
      body: events[0],
    });
    const rows = await f.rows(ids(events));
    expect(rows.every((r) => r.sent_at !== null && r.attempts === 0)).toBe(true);
  });

  it('an invalid event fails the transaction that writes it, and nothing is written', async () => {
    const valid = loginEvent();
    const invalid = { ...loginEvent(), data: { amr: ['pwd'], password: 'Canary-Pa55!' } };

    await expect(
      f.sequelize.transaction((t) =>
        writeOutboxEvent(f.sequelize, t, [valid, invalid as unknown as AnySecurityEvent]),
      ),
    ).rejects.toThrow(InvalidEventError);
    expect(await f.rows([valid.id, invalid.id])).toEqual([]);
  });

  it('two relays on the same table share the work and publish each row once', async () => {
    const events = Array.from({ length: 200 }, loginEvent);
    await f.commit(events);
    const sinks = [new CountingSink(f.publisher, 2), new CountingSink(f.publisher, 2)];
    const relays = sinks.map((sink) => f.relay({ batchSize: 10, pollIntervalMs: 10 }, sink));

    for (const relay of relays) relay.start();
    expect(await f.tap.waitFor(ids(events), 20_000)).toBe(true);
    await sleep(300);
    await Promise.all(relays.map((r) => r.stop()));

    expect(f.tap.messagesFor(ids(events))).toHaveLength(200);
    expect(sinks[0]!.published + sinks[1]!.published).toBe(200);
    expect(sinks[0]!.published).toBeGreaterThan(0);
    expect(sinks[1]!.published).toBeGreaterThan(0);
  });

  it('while the broker is unreachable rows wait, and after it returns each arrives once', async () => {
    const relay = f.relay();
    relay.start();
    f.proxy.cut();
    await sleep(200);
    const events = Array.from({ length: 20 }, loginEvent);
    await f.commit(events);

    await sleep(1000);
    expect(f.tap.messagesFor(ids(events))).toHaveLength(0);
    expect((await f.rows(ids(events))).every((r) => r.sent_at === null)).toBe(true);

    f.proxy.restore();
    expect(await f.tap.waitFor(ids(events), 20_000)).toBe(true);
    await sleep(300);
    await relay.stop();

    expect(f.tap.messagesFor(ids(events))).toHaveLength(20);
    expect((await f.rows(ids(events))).every((r) => r.sent_at !== null)).toBe(true);
  });

  it('a publish that fails is retried with capped exponential backoff, then sent once', async () => {
    const sink = new FailingSink(f.publisher);
    const event = loginEvent();
    await f.commit([event]);
    const relay = f.relay({ pollIntervalMs: 20, baseBackoffMs: 100, maxBackoffMs: 400 }, sink);

    relay.start();
    await sleep(1500);
    const [failing] = await f.rows([event.id]);
    sink.failing = false;

    // 1.5 s of 20 ms polls, but retries at +100, +200, +400, +400... ms: a handful of attempts.
    expect(failing!.sent_at).toBeNull();
    expect(failing!.attempts).toBeGreaterThanOrEqual(3);
    expect(failing!.attempts).toBeLessThanOrEqual(7);
    expect(await f.tap.waitFor([event.id])).toBe(true);
    await sleep(300);
    await relay.stop();
    expect(f.tap.countOf(event.id)).toBe(1);
    const [sent] = await f.rows([event.id]);
    expect(sent!.sent_at).not.toBeNull();
  });

  it('delivered rows past the retention are purged in batches replicas split; undelivered rows stay however old', async () => {
    const old = Array.from({ length: 25 }, () => loginEvent());
    const recent = loginEvent();
    const undelivered = loginEvent();
    await f.commit([...old, recent, undelivered]);
    const ids = (events: AnySecurityEvent[]) => events.map((e) => e.id);
    await f.sequelize.query(
      `UPDATE outbox_events SET sent_at = now() - interval '31 days', created_at = now() - interval '31 days'
        WHERE id IN (:old)`,
      { replacements: { old: ids(old) } },
    );
    await f.sequelize.query(
      `UPDATE outbox_events SET sent_at = now() - interval '29 days' WHERE id = :id`,
      {
        replacements: { id: recent.id },
      },
    );
    await f.sequelize.query(
      `UPDATE outbox_events SET created_at = now() - interval '90 days' WHERE id = :id`,
      {
        replacements: { id: undelivered.id },
      },
    );
    const purged: number[] = [];
    const purger = () =>
      new OutboxRelay(
        {
          sequelize: f.sequelize,
          publisher: f.publisher,
          logger: f.logs.logger,
          onPurged: (n) => purged.push(n),
        },
        { retentionMs: 30 * 24 * 3600_000, purgeBatchSize: 10 },
      );
    const [a, b] = [purger(), purger()];

    const first = await Promise.all([a.purgeOnce(), b.purgeOnce()]);
    const rest = [await a.purgeOnce(), await a.purgeOnce(), await b.purgeOnce()];

    // Two at once claim different rows (SKIP LOCKED): 20 gone, then the last 5, then nothing.
    expect(first).toEqual([10, 10]);
    expect(rest).toEqual([5, 0, 0]);
    expect(purged.reduce((sum, n) => sum + n, 0)).toBe(25);
    expect(await f.rows(ids(old))).toEqual([]);
    expect((await f.rows([recent.id, undelivered.id])).map((r) => r.id).sort()).toEqual(
      [recent.id, undelivered.id].sort(),
    );
  });
});
