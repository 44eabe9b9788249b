import amqp, { type Channel, type ChannelModel } from 'amqplib';

import type { AnySecurityEvent } from '@secure-api/shared/events';
import { SECURITY_EVENTS_EXCHANGE } from '@secure-api/shared/messaging';
import { eventually, testUrls } from '@secure-api/shared/testing';

export const GATEWAY_EVENT_TYPES = [
  'gateway.rate_limited',
  'gateway.token_rejected',
  'gateway.access_denied',
  'gateway.apikey.used',
] as const;

/**
 * Like EventTap, but bound to the given event types only and searchable by content, since a test
 * through the gateway does not know the ids of the events it causes: it knows its own request
 * ids, user ids and key ids. Parallel runs share the exchange, so filter by those, always.
 */
export class EventLog {
  private readonly events: AnySecurityEvent[] = [];

  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: Channel,
  ) {}

  static async start(types: readonly string[] = GATEWAY_EVENT_TYPES): Promise<EventLog> {
    const connection = await amqp.connect(testUrls.amqp);
    const channel = await connection.createChannel();
    await channel.assertExchange(SECURITY_EVENTS_EXCHANGE, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    for (const type of types) await channel.bindQueue(queue, SECURITY_EVENTS_EXCHANGE, type);
    const log = new EventLog(connection, channel);
    await channel.consume(
      queue,
      (message) => {
        if (message)
          log.events.push(JSON.parse(message.content.toString('utf8')) as AnySecurityEvent);
      },
      { noAck: true },
    );
    return log;
  }

  /** What arrived so far that matches, in arrival order. */
  where(predicate: (event: AnySecurityEvent) => boolean): AnySecurityEvent[] {
    return this.events.filter(predicate);
  }

  /** Events of the requests a test tagged with this X-Request-ID: the gateway's client id. */
  withClientRequestId(clientRequestId: string): AnySecurityEvent[] {
    return this.where((event) => event.client_request_id === clientRequestId);
  }

  /**
   * The events of the request the test sent with this X-Request-ID (which the gateway keeps as
   * client_request_id, under an id of its own) once `count` have arrived, and a moment more, so
   * that one published twice would show up twice.
   */
  async forRequest(
    clientRequestId: string,
    count = 1,
    timeoutMs = 10_000,
  ): Promise<AnySecurityEvent[]> {
    await eventually(
      () => Promise.resolve(this.withClientRequestId(clientRequestId).length >= count),
      timeoutMs,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    return this.withClientRequestId(clientRequestId);
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}
