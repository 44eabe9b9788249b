import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';

import type { AnySecurityEvent } from '../events/security-event.js';
import type { Logger } from '../logging/logger.js';
import type { AmqpConnection } from './amqp-connection.js';

/** Every security event goes through this durable topic exchange, which audit-service declares. */
export const SECURITY_EVENTS_EXCHANGE = 'security.events';

const EXCHANGE_RECHECK_MS = 1000;

/** Anything that can hand an event to the broker and say when it is safely there. */
export interface EventSink {
  publish(event: AnySecurityEvent): Promise<void>;
  /** False while known to be unable to publish (disconnected): callers wait instead of failing. */
  readonly isReady?: boolean;
}

export interface EventPublisherOptions {
  /** Tests only; production always publishes to `security.events`. */
  exchange?: string;
  /** A publish the broker has not confirmed by then is failed (and retried by its caller). */
  confirmTimeoutMs?: number;
}

/** The broker took the message but no queue is bound for it: nobody would ever read it. */
export class UnroutableEventError extends Error {
  constructor() {
    super('no queue is bound for this event');
    this.name = 'UnroutableEventError';
  }
}

/**
 * Publishes security events on a confirm channel: persistent, routing key = event type,
 * messageId = event id, `user_id` = the broker user, and `mandatory`, so an event no queue would
 * receive is an error rather than a silent drop. `publish` resolves only once the broker has
 * confirmed the message, and rejects at once while not ready (disconnected, or the exchange not
 * declared yet), so the caller (the outbox relay, the gateway's buffer) keeps the event and
 * retries. The channel comes back with the connection.
 */
export class EventPublisher implements EventSink {
  private channel: ConfirmChannel | undefined;
  private readonly exchange: string;
  private readonly confirmTimeoutMs: number;
  private readonly returned = new Set<string>();
  private closed = false;
  private waitingForExchange = false;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly logger: Logger,
    options: EventPublisherOptions = {},
  ) {
    this.exchange = options.exchange ?? SECURITY_EVENTS_EXCHANGE;
    this.confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
  }

  /** Opens the channel now (when connected) and again after every reconnect. */
  async start(): Promise<void> {
    await this.connection.onConnect((model) => this.open(model));
  }

  get isReady(): boolean {
    return this.channel !== undefined;
  }

  publish(event: AnySecurityEvent): Promise<void> {
    const channel = this.channel;
    if (!channel) return Promise.reject(new Error('event publisher is not connected'));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('broker did not confirm the event in time'));
      }, this.confirmTimeoutMs);
      const settle = (error: unknown) => {
        clearTimeout(timer);
        const wasReturned = this.returned.delete(event.id);
        if (error) reject(error instanceof Error ? error : new Error('event not confirmed'));
        else if (wasReturned) reject(new UnroutableEventError());
        else resolve();
      };
      try {
        channel.publish(
          this.exchange,
          event.type,
          Buffer.from(JSON.stringify(event)),
          {
            persistent: true,
            mandatory: true,
            messageId: event.id,
            type: event.type,
            contentType: 'application/json',
            appId: event.source,
            // The broker refuses a user_id other than the connection's own user, so audit-service
            // can trust it to say who published, and check that against the source claimed.
            userId: this.connection.username,
            timestamp: Math.floor(Date.parse(event.occurred_at) / 1000),
          },
          settle,
        );
      } catch (error) {
        // The channel closed between the check and the write.
        settle(error);
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const channel = this.channel;
    this.channel = undefined;
    if (channel) await channel.close().catch(() => undefined);
  }

  private async open(model: ChannelModel): Promise<void> {
    if (this.closed) return;
    const channel = await model.createConfirmChannel();
    // Listeners first: an 'error' event without one would crash the process.
    channel.on('error', (error: Error) => {
      if (this.channel !== channel) return; // a failed check, reported by open()
      this.logger.warn({ err: { message: error.message } }, 'event publisher channel error');
    });
    // The broker sends basic.return before the confirm of the same message.
    channel.on('return', (message: ConsumeMessage) => {
      const { messageId } = message.properties as { messageId?: unknown };
      if (typeof messageId === 'string') this.returned.add(messageId);
    });
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.channel = undefined;
      this.reopenLater(model);
    });
    // Only checked, never declared: a producer's broker user may configure nothing.
    if (!(await exchangeExists(channel, this.exchange))) {
      this.noteExchangeMissing();
      this.reopenLater(model, EXCHANGE_RECHECK_MS);
      return;
    }
    if (this.settled) {
      // Closed meanwhile, or another open() (a reconnect, a timer) got there first.
      await channel.close().catch(() => undefined);
      return;
    }
    if (this.waitingForExchange)
      this.logger.info({ exchange: this.exchange }, 'exchange exists now');
    this.waitingForExchange = false;
    this.channel = channel;
  }

  private get settled(): boolean {
    return this.closed || this.channel !== undefined;
  }

  // One line when the wait starts, not one per check.
  private noteExchangeMissing(): void {
    if (this.waitingForExchange) return;
    this.waitingForExchange = true;
    this.logger.warn(
      { exchange: this.exchange },
      'exchange does not exist yet (audit-service declares it): events wait',
    );
  }

  /**
   * A channel-level failure on a live connection, or an exchange not there yet: open a new channel
   * later. A lost connection is the connection's business; its reconnect calls open() again.
   */
  private reopenLater(model: ChannelModel, delayMs = 500): void {
    setTimeout(() => {
      if (this.closed || this.channel || !this.connection.isConnected) return;
      this.open(model).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'event publisher channel could not reopen');
      });
    }, delayMs).unref();
  }
}

/** False when the broker answers 404 (the channel is then closed); other failures are thrown. */
async function exchangeExists(channel: ConfirmChannel, exchange: string): Promise<boolean> {
  try {
    await channel.checkExchange(exchange);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 404) return false;
    throw error;
  }
}
