import type { ConsumeMessage } from 'amqplib';

import type { AnySecurityEvent } from '@secure-api/shared/events';
import type { Logger } from '@secure-api/shared/logging';

import type { EventIngest } from '../domain/event-ingest.use-case.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import { decode } from './decode-message.js';

export interface Admission {
  ingest: Pick<EventIngest, 'prove'>;
  metrics: ConsumerMetrics;
  logger: Logger;
}

/**
 * The event a delivery carries, when it is a valid security event from a proven producer; else
 * undefined, counted and logged (never the body: an invalid one may hold anything), and the caller
 * dead-letters the message.
 */
export function admit(
  message: ConsumeMessage,
  { ingest, metrics, logger }: Admission,
): AnySecurityEvent | undefined {
  const routingKey = message.fields.routingKey.slice(0, 64);
  const decoded = decode(message);
  if (!decoded.ok) {
    metrics.invalid.inc({ reason: decoded.reason });
    metrics.deadLettered.inc({ reason: 'invalid' });
    logger.warn(
      { reason: decoded.reason, routing_key: routingKey },
      'invalid security event message dead-lettered',
    );
    return undefined;
  }
  const { event } = decoded;
  const brokerUser = brokerUserOf(message);
  const provenance = ingest.prove(brokerUser, event);
  if (provenance.proven) return event;
  metrics.unproven.inc({ reason: provenance.reason });
  metrics.deadLettered.inc({ reason: 'unproven' });
  logger.warn(
    {
      reason: provenance.reason,
      broker_user: brokerUser?.slice(0, 64),
      source: event.source,
      type: event.type,
      event_id: event.id,
      routing_key: routingKey,
    },
    'unproven security event dead-lettered',
  );
  return undefined;
}

/** The AMQP user_id property: set by the publisher, checked by the broker against its login. */
function brokerUserOf(message: ConsumeMessage): string | undefined {
  const { userId } = message.properties as { userId?: unknown };
  return typeof userId === 'string' ? userId : undefined;
}
