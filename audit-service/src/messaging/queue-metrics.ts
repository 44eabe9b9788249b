import type { Channel, ChannelModel } from 'amqplib';

import { createGauge, type Metrics } from '@secure-api/shared/lifecycle';
import type { AmqpConnection } from '@secure-api/shared/messaging';

/**
 * audit_queue_messages{queue}: messages ready in the events queue and in the dead-letter queue,
 * asked of the broker at each scrape on a channel of its own (a failed check closes its channel;
 * the consumer's must not go with it). While the broker is away the gauge has no series.
 */
export class QueueDepths {
  private model: ChannelModel | undefined;
  private channel: Promise<Channel> | undefined;

  constructor(
    metrics: Metrics,
    private readonly queues: { events: string; deadLetter: string },
  ) {
    const count = (queue: string) => this.count(queue);
    createGauge(metrics, {
      name: 'audit_queue_messages',
      help: 'Messages waiting in the broker: events (not yet stored) and dead_letter (refused)',
      labelNames: ['queue'] as const,
      async collect() {
        this.reset();
        const [events, deadLetter] = await Promise.all([
          count(queues.events),
          count(queues.deadLetter),
        ]);
        if (events !== undefined) this.set({ queue: 'events' }, events);
        if (deadLetter !== undefined) this.set({ queue: 'dead_letter' }, deadLetter);
      },
    });
  }

  /** Follows the connection: after a reconnect, checks go on a channel of the new one. */
  async start(broker: AmqpConnection): Promise<void> {
    await broker.onConnect(async (model) => {
      await this.close();
      this.model = model;
    });
  }

  async close(): Promise<void> {
    const channel = this.channel;
    this.channel = undefined;
    this.model = undefined;
    if (channel) await channel.then((c) => c.close()).catch(() => undefined);
  }

  private async count(queue: string): Promise<number | undefined> {
    const model = this.model;
    if (!model) return undefined;
    try {
      this.channel ??= this.open(model);
      return (await (await this.channel).checkQueue(queue)).messageCount;
    } catch {
      this.channel = undefined;
      return undefined;
    }
  }

  private async open(model: ChannelModel): Promise<Channel> {
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    channel.on('close', () => {
      this.channel = undefined;
    });
    return channel;
  }
}
