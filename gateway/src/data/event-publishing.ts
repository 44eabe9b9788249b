import { createCounter, type Metrics } from '@secure-api/shared/lifecycle';
import type { Logger } from '@secure-api/shared/logging';
import { AmqpConnection, EventPublisher } from '@secure-api/shared/messaging';

import { DroppedEvents } from './dropped-events.js';
import { EventBuffer } from './event-buffer.js';

export interface EventPublishing {
  buffer: EventBuffer;
  dropped: DroppedEvents;
  /** Drains the buffer (about 2 s at most), then closes the channel and the connection. */
  close(): Promise<void>;
}

/**
 * The gateway's way to RabbitMQ: a confirm channel behind the bounded buffer. The broker is not a
 * start-up dependency — until it answers (and whenever it goes away) events wait in the buffer.
 */
export async function startEventPublishing(options: {
  amqpUrl: string;
  capacity: number;
  logger: Logger;
  metrics: Metrics;
}): Promise<EventPublishing> {
  const { logger, metrics } = options;
  const broker = new AmqpConnection(options.amqpUrl, logger);
  const publisher = new EventPublisher(broker, logger);
  await publisher.start();
  broker.connectInBackground();
  const dropped = new DroppedEvents(
    createCounter(metrics, {
      name: 'gateway_events_dropped_total',
      help: 'Security events the gateway lost: buffer full, invalid, or left at shutdown',
      labelNames: ['reason'],
    }),
    logger,
  );
  const buffer = new EventBuffer({
    sink: publisher,
    logger,
    capacity: options.capacity,
    dropped,
    published: createCounter(metrics, {
      name: 'gateway_events_published_total',
      help: 'Security events the gateway published and the broker confirmed',
    }),
  });
  buffer.start();
  return {
    buffer,
    dropped,
    close: async () => {
      await buffer.close();
      await publisher.close();
      await broker.close();
    },
  };
}
