import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';

import type { AnySecurityEvent } from '@secure-api/shared/events';
import type { Logger } from '@secure-api/shared/logging';
import type { AmqpConnection } from '@secure-api/shared/messaging';
import { activeTraceContext } from '@secure-api/shared/telemetry';

import type { EventIngest } from '../domain/event-ingest.use-case.js';
import { admit } from './admit-message.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import { settle, settleUpTo, type Settleable } from './settle.js';
import { traceStore, type TracedDelivery } from './store-spans.js';
import { assertTopology, type AuditTopology } from './topology.js';

export interface AuditConsumerOptions extends AuditTopology {
  /**
   * Unacknowledged deliveries at most. A transaction takes at most half of them, so the next
   * batch is already arriving (and being checked) while one is stored.
   */
  prefetch: number;
}

/** A delivery already admitted: a valid event from a proven producer, waiting to be stored. */
interface Delivery extends Settleable, TracedDelivery {
  event: AnySecurityEvent;
}

const RETRY_DELAY_MS = 1000;

/**
 * Consumes `security.events` with manual acknowledgement. Each delivery is checked as it arrives
 * (`admit`): an invalid one, or one whose producer is not proven, is nacked without requeue at
 * once, into the dead-letter queue. Admitted events gather while a batch is being stored, so under
 * load each transaction takes up to half the prefetch. A batch is acked only after the transaction
 * holding its events committed (or found them already stored), with one ack per channel: deliveries
 * are settled in the order they arrived, so "all up to this one" names exactly the batch. A batch
 * that could not be stored goes back to the queue after a pause. A crash at any point leaves
 * unacked messages that the broker redelivers, and the event id makes the second delivery a no-op.
 */
export class AuditConsumer {
  private buffer: Delivery[] = [];
  private draining: Promise<void> | undefined;
  private current: { channel: Channel; consumerTag: string } | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly broker: AmqpConnection,
    private readonly ingest: EventIngest,
    private readonly logger: Logger,
    private readonly metrics: ConsumerMetrics,
    private readonly options: AuditConsumerOptions,
  ) {}

  async start(): Promise<void> {
    await this.broker.onConnect((model) => this.open(model));
  }

  /** Stops taking deliveries, finishes (and acks) the batch in hand, closes the channel. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    const current = this.current;
    if (current) await current.channel.cancel(current.consumerTag).catch(() => undefined);
    await this.draining;
    this.current = undefined;
    if (current) await current.channel.close().catch(() => undefined);
  }

  private async open(model: ChannelModel): Promise<void> {
    if (this.stopping) return;
    const channel = await model.createChannel();
    channel.on('error', (error: Error) => {
      this.logger.warn({ err: { message: error.message } }, 'audit consumer channel error');
    });
    channel.on('close', () => {
      // Its unacked deliveries go back to the queue; they can no longer be acked from here.
      this.buffer = this.buffer.filter((d) => d.channel !== channel);
      if (this.current?.channel !== channel) return;
      this.current = undefined;
      this.reopenLater(model);
    });
    await assertTopology(channel, this.options);
    await channel.prefetch(this.options.prefetch);
    const { consumerTag } = await channel.consume(
      this.options.queue,
      (message) => {
        if (message) {
          this.receive(channel, message);
          return;
        }
        // The broker cancelled us (the queue was deleted): start over, topology included.
        this.logger.warn({ queue: this.options.queue }, 'audit consumer cancelled by the broker');
        channel.close().catch(() => undefined);
      },
      { noAck: false },
    );
    this.current = { channel, consumerTag };
  }

  /**
   * The channel closed but the connection may live on (a channel-level error, a cancelled
   * consumer): open a new one. A lost connection is the connection's business; its reconnect
   * calls open() again.
   */
  private reopenLater(model: ChannelModel): void {
    setTimeout(() => {
      if (this.stopping || this.current || !this.broker.isConnected) return;
      this.open(model).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'audit consumer channel could not reopen');
      });
    }, 1000).unref();
  }

  private receive(channel: Channel, message: ConsumeMessage): void {
    const { ingest, metrics, logger } = this;
    const event = admit(message, { ingest, metrics, logger });
    if (!event) {
      settle(() => {
        channel.nack(message, false, false);
      });
      return;
    }
    // The message's consume span is active here; its store, later and batched, is traced under it.
    this.buffer.push({ channel, message, event, trace: activeTraceContext() });
    this.kick();
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.buffer.length > 0 && !this.stopping) this.kick();
    });
  }

  private async drain(): Promise<void> {
    const batchSize = Math.ceil(this.options.prefetch / 2);
    while (this.buffer.length > 0) {
      await this.process(this.buffer.splice(0, batchSize));
    }
  }

  private async process(batch: Delivery[]): Promise<void> {
    try {
      const { stored, duplicates } = await traceStore(batch, () =>
        this.ingest.ingest(batch.map((d) => d.event)),
      );
      this.metrics.stored.inc(stored.length);
      const now = Date.now();
      for (const { event } of stored) {
        this.metrics.lag.observe(Math.max(0, now - Date.parse(event.occurred_at)) / 1000);
      }
      this.metrics.duplicates.inc(duplicates);
    } catch (error) {
      this.metrics.storeFailures.inc();
      this.logger.error(
        { err: error, events: batch.length },
        'audit events not stored, requeueing',
      );
      if (this.stopping) {
        // Shutting down: leave everything unacked; closing the channel returns it to the queue.
        this.buffer = [];
        return;
      }
      await this.pause(RETRY_DELAY_MS);
      settleUpTo(batch, (channel, last) => {
        channel.nack(last, true, true);
      });
      return;
    }
    settleUpTo(batch, (channel, last) => {
      channel.ack(last, true);
    });
  }

  /** A pause that a stop cuts short. */
  private pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
