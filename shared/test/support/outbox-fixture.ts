import { randomUUID } from 'node:crypto';

import type { Sequelize } from 'sequelize';

import { createSequelize, runMigrations } from '@secure-api/shared/data';
import { createEvent, type AnySecurityEvent } from '@secure-api/shared/events';
import { AmqpConnection, EventPublisher, type EventSink } from '@secure-api/shared/messaging';
import {
  addOutboxTraceContextMigration,
  createOutboxMigration,
  OutboxRelay,
  writeOutboxEvent,
  type OutboxRelayOptions,
} from '@secure-api/shared/outbox';
import {
  captureLogger,
  createTestDatabase,
  EventTap,
  TcpProxy,
  testUrls,
  type TestDatabase,
} from '@secure-api/shared/testing';

export function loginEvent(): AnySecurityEvent {
  const userId = randomUUID();
  return createEvent('auth.login.succeeded', {
    source: 'auth-service',
    outcome: 'success',
    actor: { user_id: userId, ip: '192.0.2.10' },
    subject: { user_id: userId, session_id: randomUUID() },
    data: { amr: ['pwd'] },
  });
}

/** A publisher that counts what it published (and can be slowed), around the real one. */
export class CountingSink implements EventSink {
  published = 0;

  constructor(
    private readonly inner: EventSink,
    private readonly delayMs = 0,
  ) {}

  async publish(event: AnySecurityEvent): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    await this.inner.publish(event);
    this.published += 1;
  }
}

/** Rejects every publish while `failing`, like a broker that refuses or never confirms. */
export class FailingSink implements EventSink {
  failing = true;

  constructor(private readonly inner: EventSink) {}

  async publish(event: AnySecurityEvent): Promise<void> {
    if (this.failing) throw new Error('broker refused the message');
    await this.inner.publish(event);
  }
}

/**
 * A database with the outbox table, a publisher whose broker line a test can cut, and a tap on
 * the exchange that sees everything (tests assert only on their own event ids).
 */
export class OutboxFixture {
  readonly logs = captureLogger('outbox-test');
  private readonly relays: OutboxRelay[] = [];

  private constructor(
    readonly db: TestDatabase,
    readonly sequelize: Sequelize,
    readonly proxy: TcpProxy,
    readonly broker: AmqpConnection,
    readonly publisher: EventPublisher,
    readonly tap: EventTap,
  ) {}

  static async start(label: string): Promise<OutboxFixture> {
    const db = await createTestDatabase(label);
    const sequelize = createSequelize(db.url);
    const logger = captureLogger('outbox-test').logger;
    await runMigrations(
      sequelize,
      [createOutboxMigration('0001-outbox'), addOutboxTraceContextMigration('0002-trace')],
      {
        tableName: 'migrations',
        logger,
      },
    );
    const proxy = await TcpProxy.forUrl(testUrls.amqp).start();
    const broker = new AmqpConnection(proxy.urlFor(testUrls.amqp), logger);
    await broker.connect();
    const publisher = new EventPublisher(broker, logger);
    await publisher.start();
    const tap = await EventTap.start();
    return new OutboxFixture(db, sequelize, proxy, broker, publisher, tap);
  }

  relay(options: OutboxRelayOptions = {}, publisher: EventSink = this.publisher): OutboxRelay {
    const relay = new OutboxRelay(
      { sequelize: this.sequelize, publisher, logger: this.logs.logger },
      { pollIntervalMs: 50, baseBackoffMs: 50, maxBackoffMs: 200, ...options },
    );
    this.relays.push(relay);
    return relay;
  }

  /** Writes the events in one committed transaction. */
  async commit(events: AnySecurityEvent[]): Promise<void> {
    await this.sequelize.transaction((t) => writeOutboxEvent(this.sequelize, t, events));
  }

  async rows(ids: string[]): Promise<{ id: string; attempts: number; sent_at: Date | null }[]> {
    const [rows] = await this.sequelize.query(
      'SELECT id, attempts, sent_at FROM outbox_events WHERE id IN (:ids)',
      { replacements: { ids } },
    );
    return rows as { id: string; attempts: number; sent_at: Date | null }[];
  }

  async close(): Promise<void> {
    await Promise.all(this.relays.map((r) => r.stop()));
    await this.publisher.close();
    await this.broker.close();
    await this.proxy.stop();
    await this.tap.close();
    await this.sequelize.close();
    await this.db.drop();
  }
}
