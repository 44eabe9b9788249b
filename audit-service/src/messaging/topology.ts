import type { Channel } from 'amqplib';

import { SECURITY_EVENTS_EXCHANGE } from '@secure-api/shared/messaging';

/** Where rejected (invalid) messages go; each dead-letter queue is bound by its own name. */
export const DEAD_LETTER_EXCHANGE = 'security.events.dlx';

export interface AuditTopology {
  queue: string;
  deadLetterQueue: string;
}

/**
 * security.events (topic) ──#──> queue ──nack, no requeue──> security.events.dlx ──> dead-letter queue.
 * Every declaration is idempotent, so each replica asserts the same topology on every connect.
 * Queue arguments must not change once a queue exists (the broker refuses a redeclaration).
 */
export async function assertTopology(channel: Channel, topology: AuditTopology): Promise<void> {
  await channel.assertExchange(SECURITY_EVENTS_EXCHANGE, 'topic', { durable: true });
  await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'topic', { durable: true });
  await channel.assertQueue(topology.deadLetterQueue, { durable: true });
  await channel.bindQueue(topology.deadLetterQueue, DEAD_LETTER_EXCHANGE, topology.deadLetterQueue);
  await channel.assertQueue(topology.queue, {
    durable: true,
    arguments: {
      'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE,
      'x-dead-letter-routing-key': topology.deadLetterQueue,
    },
  });
  await channel.bindQueue(topology.queue, SECURITY_EVENTS_EXCHANGE, '#');
}
