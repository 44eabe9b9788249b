import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';

import { SECURITY_EVENTS_EXCHANGE } from '../messaging/event-publisher.js';
import { eventually } from './eventually.js';
import { testUrls } from './test-dependencies.js';

export interface TappedMessage {
  id: string | undefined;
  routingKey: string;
  persistent: boolean;
  contentType: string | undefined;
  /** The AMQP user_id property: the publisher's broker user. */
  userId: string | undefined;
  body: unknown;
}

/**
 * Listens to `security.events` on a private, server-named, exclusive queue bound with `#`, so a
 * test sees everything published and never takes messages from anyone else. Parallel runs share
 * the exchange: assert only on the event ids your test created.
 */
export class EventTap {
  private readonly messages: TappedMessage[] = [];

  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: Channel,
  ) {}

  static async start(url = testUrls.amqp, exchange = SECURITY_EVENTS_EXCHANGE): Promise<EventTap> {
    const connection = await amqp.connect(url);
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, exchange, '#');
    const tap = new EventTap(connection, channel);
    await channel.consume(
      queue,
      (message) => {
        if (message) tap.record(message);
      },
      { noAck: true },
    );
    return tap;
  }

  private record(message: ConsumeMessage): void {
    let body: unknown;
    try {
      body = JSON.parse(message.content.toString('utf8'));
    } catch {
      body = undefined;
    }
    const properties = message.properties as {
      messageId?: string;
      contentType?: string;
      deliveryMode?: number;
      userId?: string;
    };
    this.messages.push({
      id: properties.messageId,
      routingKey: message.fields.routingKey,
      persistent: properties.deliveryMode === 2,
      contentType: properties.contentType,
      userId: properties.userId,
      body,
    });
  }

  /** Every message received for these event ids, in arrival order. */
  messagesFor(ids: Iterable<string>): TappedMessage[] {
    const wanted = new Set(ids);
    return this.messages.filter((m) => m.id !== undefined && wanted.has(m.id));
  }

  countOf(id: string): number {
    return this.messages.filter((m) => m.id === id).length;
  }

  /** True once every id has arrived at least once. */
  async waitFor(ids: readonly string[], timeoutMs = 10_000): Promise<boolean> {
    return eventually(
      () =>
        Promise.resolve(new Set(this.messagesFor(ids).map((m) => m.id)).size === new Set(ids).size),
      timeoutMs,
    );
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}
