import amqp, { type Channel, type ChannelModel, type Options } from 'amqplib';
import { QueryTypes, type Sequelize } from 'sequelize';
import request from 'supertest';

import type { Role } from '@secure-api/shared/auth';
import { createSequelize } from '@secure-api/shared/data';
import type { AnySecurityEvent } from '@secure-api/shared/events';
import { AmqpConnection, EventPublisher } from '@secure-api/shared/messaging';
import {
  captureLogger,
  createTestDatabase,
  eventually,
  testUrls,
  TestTokenIssuer,
  uniqueName,
  type CapturedLogger,
  type TestDatabase,
} from '@secure-api/shared/testing';

import { startServer, type RunningAuditService } from '../../src/api/server.js';
import { readConfig } from '../../src/config.js';

export interface InstanceOptions {
  databaseUrl?: string;
  amqpUrl?: string;
  prefetch?: number;
  userServiceUrl?: string;
  redisUrl?: string;
  /** More variables for readConfig (e.g. EVENT_PRODUCERS). */
  env?: Record<string, string>;
}

export interface Instance {
  service: RunningAuditService;
  logs: CapturedLogger;
}

export interface StoredRow {
  seq: string;
  event_id: string;
  type: string;
  occurred_at: Date;
  actor_user_id: string | null;
  subject_user_id: string | null;
  request_id: string | null;
  outcome: string;
  source: string;
  payload: AnySecurityEvent;
  prev_hash: string;
  hash: string;
}

/**
 * One test file's audit store: its own database, its own queue and dead-letter queue (bound to
 * the shared `security.events` exchange, so it also receives other runs' events: assert only on
 * your own event ids), admin tokens from a test issuer, and a real EventPublisher.
 */
export class AuditHarness {
  readonly instances: Instance[] = [];
  /** Logs of instances already stopped, still searchable. */
  private readonly stoppedLogs: CapturedLogger[] = [];

  private constructor(
    readonly db: TestDatabase,
    readonly sql: Sequelize,
    readonly issuer: TestTokenIssuer,
    readonly queue: string,
    readonly deadLetterQueue: string,
    readonly broker: AmqpConnection,
    readonly publisher: EventPublisher,
    private readonly amqpModel: ChannelModel,
    readonly channel: Channel,
  ) {}

  /** `options: null` starts no instance (the test starts its own). */
  static async start(label: string, options: InstanceOptions | null = {}): Promise<AuditHarness> {
    const db = await createTestDatabase(label);
    const issuer = await TestTokenIssuer.start();
    const broker = new AmqpConnection(testUrls.amqp, captureLogger('test-publisher').logger);
    await broker.connect();
    const publisher = new EventPublisher(broker, captureLogger('test-publisher').logger);
    await publisher.start();
    const amqpModel = await amqp.connect(testUrls.amqp);
    const channel = await amqpModel.createChannel();
    const h = new AuditHarness(
      db,
      createSequelize(db.url),
      issuer,
      // Under audit.*, the queue names audit-service's deployed broker user may use.
      `audit.${uniqueName(`${label}_q`)}`,
      `audit.${uniqueName(`${label}_dlq`)}`,
      broker,
      publisher,
      amqpModel,
      channel,
    );
    if (options) await h.startInstance(options);
    return h;
  }

  get url(): string {
    const [first] = this.instances;
    if (!first) throw new Error('no instance running');
    return first.service.url;
  }

  get logs(): CapturedLogger {
    const [first] = this.instances;
    if (!first) throw new Error('no instance running');
    return first.logs;
  }

  /** Another audit-service on this file's database and queue (a replica). */
  async startInstance(options: InstanceOptions = {}): Promise<Instance> {
    const config = readConfig({
      NODE_ENV: 'test',
      AUDIT_PORT: '0',
      DATABASE_URL: options.databaseUrl ?? this.db.url,
      AMQP_URL: options.amqpUrl ?? testUrls.amqp,
      REDIS_URL: options.redisUrl ?? testUrls.redis,
      AUDIT_QUEUE: this.queue,
      AUDIT_DEAD_LETTER_QUEUE: this.deadLetterQueue,
      AUDIT_PREFETCH: String(options.prefetch ?? 50),
      AUTH_JWKS_URL: this.issuer.jwksUrl,
      USER_SERVICE_URL: options.userServiceUrl ?? 'http://127.0.0.1:9',
      USER_SERVICE_TIMEOUT_MS: '2000',
      ...options.env,
    });
    const logs = captureLogger('audit-service');
    const instance = { service: await startServer(config, logs.logger), logs };
    this.instances.push(instance);
    return instance;
  }

  async stopInstance(instance: Instance): Promise<void> {
    this.instances.splice(this.instances.indexOf(instance), 1);
    this.stoppedLogs.push(instance.logs);
    await instance.service.close();
  }

  async token(role: Role = 'admin', sub?: string): Promise<string> {
    return this.issuer.accessToken({ role, ...(sub ? { sub } : {}) });
  }

  async get(path: string, role: Role = 'admin'): Promise<request.Response> {
    return request(this.url)
      .get(path)
      .set('Authorization', `Bearer ${await this.token(role)}`);
  }

  async post(path: string, role: Role = 'admin'): Promise<request.Response> {
    return request(this.url)
      .post(path)
      .set('Authorization', `Bearer ${await this.token(role)}`);
  }

  async publish(events: readonly AnySecurityEvent[]): Promise<void> {
    await Promise.all(events.map((event) => this.publisher.publish(event)));
  }

  /** Straight onto this file's queue, bypassing the exchange: only this file's consumer sees it. */
  sendRaw(content: Buffer, messageId: string, properties: Options.Publish = {}): void {
    this.channel.sendToQueue(this.queue, content, { messageId, persistent: true, ...properties });
  }

  async rows(ids: readonly string[]): Promise<StoredRow[]> {
    if (ids.length === 0) return [];
    return this.sql.query<StoredRow>(
      'SELECT * FROM audit_events WHERE event_id IN (:ids) ORDER BY seq',
      { type: QueryTypes.SELECT, replacements: { ids } },
    );
  }

  async countStored(ids: readonly string[]): Promise<number> {
    const [row] = await this.sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM audit_events WHERE event_id IN (:ids)',
      { type: QueryTypes.SELECT, replacements: { ids } },
    );
    return row?.n ?? 0;
  }

  async waitStored(ids: readonly string[], timeoutMs = 15_000): Promise<boolean> {
    return eventually(async () => (await this.countStored(ids)) === ids.length, timeoutMs);
  }

  /** Takes everything currently in the dead-letter queue; returns the message ids. */
  async drainDeadLetters(): Promise<string[]> {
    const ids: string[] = [];
    for (;;) {
      const message = await this.channel.get(this.deadLetterQueue, { noAck: true });
      if (message === false) return ids;
      ids.push(String((message.properties as { messageId?: unknown }).messageId));
    }
  }

  /** The `security_event` lines of every instance's log, for these ids. */
  siemLines(ids: readonly string[]): Record<string, unknown>[] {
    const wanted = new Set(ids);
    return this.allLogLines().filter(
      (line) =>
        line.msg === 'security_event' &&
        wanted.has((line.event as { id?: string } | undefined)?.id ?? ''),
    );
  }

  allLogLines(): Record<string, unknown>[] {
    return [...this.stoppedLogs, ...this.instances.map((i) => i.logs)].flatMap((l) => l.lines());
  }

  async close(): Promise<void> {
    for (const instance of [...this.instances]) await this.stopInstance(instance);
    await this.channel.deleteQueue(this.queue).catch(() => undefined);
    await this.channel.deleteQueue(this.deadLetterQueue).catch(() => undefined);
    await this.amqpModel.close().catch(() => undefined);
    await this.publisher.close();
    await this.broker.close();
    await this.sql.close();
    await this.issuer.close();
    await this.db.drop();
  }
}
