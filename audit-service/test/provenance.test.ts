import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { QueryTypes, type Sequelize } from 'sequelize';

import { createSequelize, runMigrations } from '@secure-api/shared/data';
import type { AnySecurityEvent } from '@secure-api/shared/events';
import { AmqpConnection, EventPublisher } from '@secure-api/shared/messaging';
import {
  addOutboxTraceContextMigration,
  createOutboxMigration,
  startEventPipeline,
} from '@secure-api/shared/outbox';
import {
  captureLogger,
  createTestDatabase,
  eventually,
  type TestDatabase,
} from '@secure-api/shared/testing';

import {
  asBrokerUser,
  BrokerIdentities,
  publishRaw,
  type BrokerService,
} from './support/broker-identities.js';
import { accessDenied, loginSucceeded, roleChanged, userCreated } from './support/events.js';
import { AuditHarness } from './support/harness.js';
import { counterWith } from './support/metrics.js';

const NOT_ENFORCED =
  'EVENT PROVENANCE IS NOT ENFORCED: these broker users may publish events of any source (EVENT_PRODUCERS); production refuses this';

const refused = (what: string, user: string) =>
  `Channel closed by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - access to ${what} in vhost '/' refused for user '${user}'"`;

/**
 * The attack: a service that can reach the broker (the internet-facing gateway, say, once
 * compromised) tries to write another service's history, or to read or purge the audit queue.
 * Every service has its own broker user, provisioned by deploy/rabbitmq/provision-users.sh, and
 * audit-service runs as its own user with a producer map naming this run's users.
 */
describe('event provenance: audit-service stores an event only from the producer allowed to write it', () => {
  let ids: BrokerIdentities;
  let h: AuditHarness;
  /** Every event this file got stored through a proven identity: the whole store, nothing else. */
  const proven: string[] = [];

  /** Publishes through the real shared publisher, logged in as that service's broker user. */
  async function publishAs(service: BrokerService, events: AnySecurityEvent[]): Promise<void> {
    const logger = captureLogger('producer').logger;
    const broker = new AmqpConnection(ids.url(service), logger);
    await broker.connect();
    const publisher = new EventPublisher(broker, logger);
    await publisher.start();
    try {
      for (const event of events) await publisher.publish(event);
    } finally {
      await publisher.close();
      await broker.close();
    }
  }

  async function deadLettered(wanted: string[]): Promise<boolean> {
    const seen: string[] = [];
    return eventually(async () => {
      seen.push(...(await h.drainDeadLetters()));
      return wanted.every((id) => seen.includes(id));
    });
  }

  function unprovenLines(eventId: string): Record<string, unknown>[] {
    return h
      .allLogLines()
      .filter((l) => l.msg === 'unproven security event dead-lettered' && l.event_id === eventId);
  }

  beforeAll(async () => {
    ids = await BrokerIdentities.provision();
    h = await AuditHarness.start('audit_provenance', null);
    await h.startInstance({
      amqpUrl: ids.url('audit'),
      env: {
        EVENT_PRODUCERS: [
          `${ids.user('auth')}:auth-service`,
          `${ids.user('users')}:user-service`,
          `${ids.user('gateway')}:gateway`,
        ].join(','),
      },
    });
  }, 60_000);

  afterAll(async () => {
    await h.close();
    await ids.remove();
  }, 30_000);

  describe('with the gateway’s broker credentials', () => {
    it.each(['auth.login.succeeded', 'user.role_changed'])(
      'publishing with routing key %s is refused by the broker (topic permission)',
      async (routingKey) => {
        const forged = loginSucceeded();
        const gateway = ids.user('gateway');

        const outcome = await asBrokerUser(ids.url('gateway'), (channel) =>
          publishRaw(channel, routingKey, forged, { messageId: forged.id, userId: gateway }),
        );

        expect(outcome).toEqual({
          ok: false,
          error: refused(`topic '${routingKey}' in exchange 'security.events'`, gateway),
        });
      },
    );

    it('a gateway.* message claiming auth-service, or an auth.* type, is dead-lettered, counted and never stored; the chain stays valid', async () => {
      const gateway = ids.user('gateway');
      const claimsAuthService = loginSucceeded();
      const claimsAuthType: AnySecurityEvent = { ...loginSucceeded(), source: 'gateway' };
      const genuine = accessDenied();

      await asBrokerUser(ids.url('gateway'), async (channel) => {
        for (const forged of [claimsAuthService, claimsAuthType]) {
          await publishRaw(channel, 'gateway.access_denied', forged, {
            messageId: forged.id,
            userId: gateway,
          });
        }
      });
      await publishAs('gateway', [genuine]);
      proven.push(genuine.id);

      expect(await h.waitStored([genuine.id])).toBe(true);
      expect(await deadLettered([claimsAuthService.id, claimsAuthType.id])).toBe(true);
      expect(await h.countStored([claimsAuthService.id, claimsAuthType.id])).toBe(0);
      // Only this file's users are in the map, and only this test forges with them: exact counts.
      const unproven = (reason: string) =>
        counterWith(h.url, 'audit_events_unproven_total', { reason });
      expect(await unproven('source_not_allowed')).toBe(1);
      expect(await unproven('type_not_allowed')).toBe(1);
      expect(unprovenLines(claimsAuthService.id)).toEqual([
        expect.objectContaining({
          level: 'warn',
          reason: 'source_not_allowed',
          broker_user: gateway,
          source: 'auth-service',
          type: 'auth.login.succeeded',
        }),
      ]);
      expect(unprovenLines(claimsAuthType.id)).toEqual([
        expect.objectContaining({ reason: 'type_not_allowed', broker_user: gateway }),
      ]);
      expect(h.logs.lines().filter((l) => l.msg === NOT_ENFORCED)).toEqual([]);
      const verify = await h.get('/api/v1/admin/audit/verify');
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({ valid: true, first_bad_id: null });
      expect((await storedIds(h.sql)).sort()).toEqual([...proven].sort());
    });
  });

  describe('messages whose producer is not proven', () => {
    it.each([
      ['without a user_id property', {}, 'missing_user_id'],
      [
        'from guest, a broker user the producer map does not name,',
        { userId: 'guest' },
        'unknown_producer',
      ],
    ])(
      'a message %s is dead-lettered, counted and never stored',
      async (_case, properties, reason) => {
        const event = loginSucceeded();
        const before = await counterWith(h.url, 'audit_events_unproven_total', { reason });

        // As guest, straight onto this file's queue: other runs' audit stores never see it.
        h.sendRaw(Buffer.from(JSON.stringify(event)), event.id, properties);

        expect(await deadLettered([event.id])).toBe(true);
        expect(await h.countStored([event.id])).toBe(0);
        expect(unprovenLines(event.id)).toEqual([expect.objectContaining({ reason })]);
        // Other runs publish to the shared exchange as guest too: at least this one is counted.
        expect(await counterWith(h.url, 'audit_events_unproven_total', { reason })).toBeGreaterThan(
          before,
        );
      },
    );
  });

  describe('each producer’s own identity', () => {
    let db: TestDatabase;
    let outbox: Sequelize;

    beforeAll(async () => {
      db = await createTestDatabase('audit_provenance_outbox');
      outbox = createSequelize(db.url);
      await runMigrations(
        outbox,
        [createOutboxMigration('0001-outbox'), addOutboxTraceContextMigration('0002-trace')],
        {
          tableName: 'migrations',
          logger: captureLogger('migrate').logger,
        },
      );
    });

    afterAll(async () => {
      await outbox.close();
      await db.drop();
    });

    it('auth-service gets its auth.* and user.created events stored through its outbox and relay', async () => {
      const events = [loginSucceeded(), userCreated(randomUUID(), randomUUID())];
      const pipeline = await startEventPipeline({
        amqpUrl: ids.url('auth'),
        sequelize: outbox,
        logger: captureLogger('auth-service').logger,
        pollIntervalMs: 100,
      });
      try {
        await pipeline.uow.record(events);
        proven.push(...events.map((e) => e.id));

        expect(await h.waitStored(events.map((e) => e.id))).toBe(true);
      } finally {
        await pipeline.close();
      }
      const rows = await h.rows(events.map((e) => e.id));
      expect(rows.map((r) => [r.type, r.source]).sort()).toEqual([
        ['auth.login.succeeded', 'auth-service'],
        ['user.created', 'auth-service'],
      ]);
    });

    it('user-service gets its user.* event stored', async () => {
      const event = roleChanged(randomUUID(), randomUUID());

      await publishAs('users', [event]);
      proven.push(event.id);

      expect(await h.waitStored([event.id])).toBe(true);
    });
  });

  describe('the audit queues', () => {
    it.each(['auth', 'users', 'gateway'] as const)(
      'the %s identity can neither consume from nor purge them (ACCESS_REFUSED)',
      async (service) => {
        const user = ids.user(service);
        const url = ids.url(service);

        for (const queue of [h.queue, h.deadLetterQueue]) {
          const consume = await asBrokerUser(url, (c) => c.consume(queue, () => undefined));
          const purge = await asBrokerUser(url, (c) => c.purgeQueue(queue));

          expect(consume).toEqual({ ok: false, error: refused(`queue '${queue}'`, user) });
          expect(purge).toEqual({ ok: false, error: refused(`queue '${queue}'`, user) });
        }
      },
    );

    it('no producer can go around the exchange: the default and the dead-letter exchanges refuse them', async () => {
      const gateway = ids.user('gateway');
      const forged = loginSucceeded();
      const outcomes = [];
      for (const exchange of ['', 'security.events.dlx']) {
        outcomes.push(
          await asBrokerUser(ids.url('gateway'), async (channel) => {
            channel.publish(exchange, h.queue, Buffer.from(JSON.stringify(forged)), {
              userId: gateway,
            });
            await channel.waitForConfirms();
          }),
        );
      }

      expect(outcomes).toEqual([
        { ok: false, error: refused("exchange 'amq.default'", gateway) },
        { ok: false, error: refused("exchange 'security.events.dlx'", gateway) },
      ]);
    });

    it('audit-service’s own identity cannot publish security events either', async () => {
      const audit = ids.user('audit');
      const forged = loginSucceeded();

      const outcome = await asBrokerUser(ids.url('audit'), (channel) =>
        publishRaw(channel, 'auth.login.succeeded', forged, { userId: audit }),
      );

      expect(outcome).toEqual({
        ok: false,
        error: refused("exchange 'security.events'", audit),
      });
    });
  });
});

describe('event provenance with the development default (every service is guest)', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await AuditHarness.start('audit_provenance_dev');
  });

  afterAll(async () => {
    await h.close();
  });

  it('stores what guest publishes, and says loudly at start-up that provenance is not enforced', async () => {
    const event = loginSucceeded();

    await h.publish([event]);

    expect(await h.waitStored([event.id])).toBe(true);
    expect(h.logs.lines().filter((l) => l.msg === NOT_ENFORCED)).toEqual([
      expect.objectContaining({ level: 'warn', broker_users: ['guest'] }),
    ]);
  });
});

async function storedIds(sql: Sequelize): Promise<string[]> {
  const rows = await sql.query<{ event_id: string }>('SELECT event_id FROM audit_events', {
    type: QueryTypes.SELECT,
  });
  return rows.map((r) => r.event_id);
}
