// Scenarios 3-5 of issue 8 (1 is in edge.mjs, 2 in logins.mjs). Every phase is bounded by a
// duration; nothing loops on its own.
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';

import amqp from 'amqplib';
import pg from 'pg';

import { createEvent } from '@secure-api/shared/events';
import { createLogger } from '@secure-api/shared/logging';
import { AmqpConnection, EventPublisher } from '@secure-api/shared/messaging';

import { expectAllOk, load } from './load.mjs';
import { loginRequest } from './logins.mjs';
import { sampleMemory } from './probes.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Scenarios 3 and 5: latency of cheap routes at rest and under a login flood; peak RSS meanwhile. */
export async function isolation(stack, token, user, { quick }) {
  const seconds = quick ? 4 : 10;
  const probe = () =>
    Promise.all([
      load({
        url: stack.gateway,
        path: '/health',
        connections: 2,
        overallRate: 50,
        duration: seconds,
      }),
      load({
        url: stack.gateway,
        path: '/api/v1/users/me',
        headers: { authorization: `Bearer ${token}` },
        connections: 2,
        overallRate: 50,
        duration: seconds,
      }),
    ]);
  const [healthRest, meRest] = await probe();
  expectAllOk('health at rest', healthRest);
  expectAllOk('me at rest', meRest);

  const memory = sampleMemory(stack.servicePids());
  // 4x HASH_CONCURRENCY: the hash queue never empties, and no login waits past the gateway's
  // upstream timeout (more clients only add 503s from the full queue, or 504s).
  const floodConnections = 4 * availableParallelism();
  const flood = load({
    ...loginRequest(stack, user),
    connections: floodConnections,
    duration: seconds + 5,
  });
  await sleep(3000); // the hash queue fills first
  const [healthFlood, meFlood] = await probe();
  const floodRun = await flood;
  const peakRss = memory.stop();
  expectAllOk('health under flood', healthFlood);
  expectAllOk('me under flood', meFlood);
  return {
    rate: 50,
    seconds,
    health: { rest: healthRest, flood: healthFlood },
    me: { rest: meRest, flood: meFlood },
    flood: {
      connections: floodConnections,
      loginsPerSecond: floodRun.ok / floodRun.durationSeconds,
      statuses: floodRun.statuses,
      errors: floodRun.errors,
    },
    peakRss,
  };
}

function loginEvent(requestId) {
  const userId = randomUUID();
  return createEvent('auth.login.succeeded', {
    source: 'auth-service',
    outcome: 'success',
    request_id: requestId,
    actor: { user_id: userId, ip: '127.0.0.1', user_agent: 'secure-api-bench' },
    subject: { user_id: userId, session_id: randomUUID() },
    data: { amr: ['pwd'] },
  });
}

/**
 * Scenario 4. Events go out through the shared EventPublisher (confirm channel, persistent,
 * mandatory) to a bench-private topic exchange bound to this run's audit queue only, so other
 * queues on the broker never receive the flood. Two phases: the target rate offered open-loop
 * for 30 s (does the store keep up, and with what lag), then the capacity (as fast as it stores,
 * at most 2,000 events waiting).
 */
export async function auditPipeline(stack, { quick }) {
  const exchange = `bench.events.${stack.id}`;
  const admin = await amqp.connect(await stack.brokerUrl());
  const channel = await admin.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.bindQueue(stack.auditQueue, exchange, '#');
  stack.onClose(async () => {
    await channel.deleteExchange(exchange);
    await admin.close();
  });
  const logger = createLogger({ service: 'bench-publisher', level: 'error' });
  const broker = new AmqpConnection(await stack.brokerUrl(), logger);
  await broker.connect();
  const publisher = new EventPublisher(broker, logger, { exchange });
  await publisher.start();
  const db = new pg.Client({ connectionString: stack.auditDatabaseUrl });
  await db.connect();

  const storedCount = async (prefix) =>
    (
      await db.query('SELECT count(*)::int AS n FROM audit_events WHERE request_id LIKE $1', [
        `${prefix}%`,
      ])
    ).rows[0].n;

  const stats = async (prefix) =>
    (
      await db.query(
        `SELECT count(*)::int AS n,
           extract(epoch FROM max(stored_at) - min(occurred_at))::float AS span,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM stored_at - occurred_at)) * 1000 AS p50,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM stored_at - occurred_at)) * 1000 AS p99,
           max(extract(epoch FROM stored_at - occurred_at)) * 1000 AS max
         FROM audit_events WHERE request_id LIKE $1`,
        [`${prefix}%`],
      )
    ).rows[0];

  /** Publishes while `more(sent)` says so; resolves once every publish settled. */
  const publishPhase = async (prefix, seconds, allowance) => {
    let sent = 0;
    let confirmed = 0;
    let failed = 0;
    let inFlight = 0;
    const started = Date.now();
    const deadline = started + seconds * 1000;
    while (Date.now() < deadline) {
      const due = Math.min(await allowance(sent, started), sent + 500);
      for (; sent < due; sent += 1) {
        inFlight += 1;
        publisher
          .publish(loginEvent(`${prefix}${sent}`))
          .then(
            () => (confirmed += 1),
            () => (failed += 1),
          )
          .finally(() => (inFlight -= 1));
      }
      await sleep(5);
    }
    while (inFlight > 0) await sleep(20);
    return { sent, confirmed, failed };
  };

  const waitStored = async (prefix, expected, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && (await storedCount(prefix)) < expected) await sleep(250);
  };

  try {
    // Phase A: the target, offered at a steady 5,000 events/s.
    const targetRate = 5000;
    const seconds = quick ? 5 : 30;
    const prefixA = `bench-${stack.id}-a-`;
    const offered = await publishPhase(prefixA, seconds, (_sent, started) =>
      Math.floor(((Date.now() - started) / 1000) * targetRate),
    );
    await waitStored(prefixA, offered.confirmed, 60_000);
    const a = await stats(prefixA);

    // Phase B: capacity, closed loop with a bounded backlog.
    const prefixB = `bench-${stack.id}-b-`;
    const backlog = 2000;
    let stored = 0;
    let checkedAt = 0;
    const capacity = await publishPhase(prefixB, quick ? 4 : 10, async (sent) => {
      if (Date.now() - checkedAt > 100) {
        stored = await storedCount(prefixB);
        checkedAt = Date.now();
      }
      return stored + backlog > sent ? stored + backlog : sent;
    });
    await waitStored(prefixB, capacity.confirmed, 60_000);
    const b = await stats(prefixB);
    return {
      targetRate,
      seconds,
      offered: {
        ...offered,
        stored: a.n,
        perSecond: a.n > 0 ? a.n / a.span : 0,
        p50: a.p50,
        p99: a.p99,
        max: a.max,
      },
      capacity: {
        ...capacity,
        stored: b.n,
        perSecond: b.n > 0 ? b.n / b.span : 0,
        p99: b.p99,
        backlog,
      },
    };
  } finally {
    await db.end();
    await publisher.close();
    await broker.close();
  }
}
