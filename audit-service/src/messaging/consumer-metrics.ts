import client from 'prom-client';

import type { Metrics } from '@secure-api/shared/lifecycle';

export type InvalidReason = 'too_large' | 'json' | 'schema';

export interface ConsumerMetrics {
  stored: client.Counter;
  duplicates: client.Counter;
  invalid: client.Counter<'reason'>;
  unproven: client.Counter<'reason'>;
  storeFailures: client.Counter;
  deadLettered: client.Counter<'reason'>;
  /** Stored time minus the event's occurred_at. */
  lag: client.Histogram;
}

/** On the service's own registry, served at /metrics. */
export function createConsumerMetrics(metrics: Metrics): ConsumerMetrics {
  const registers = [metrics.registry];
  return {
    stored: new client.Counter({
      name: 'audit_events_stored_total',
      help: 'Security events appended to the audit chain',
      registers,
    }),
    duplicates: new client.Counter({
      name: 'audit_events_duplicate_total',
      help: 'Deliveries of an already stored event id, acknowledged without a second row',
      registers,
    }),
    invalid: new client.Counter({
      name: 'audit_invalid_messages_total',
      help: 'Messages that are not valid security events, dead-lettered',
      labelNames: ['reason'] as const,
      registers,
    }),
    unproven: new client.Counter({
      name: 'audit_events_unproven_total',
      help: 'Valid events whose producer is not proven (no user_id, an unknown broker user, or one not allowed that source or type), dead-lettered',
      labelNames: ['reason'] as const,
      registers,
    }),
    storeFailures: new client.Counter({
      name: 'audit_store_failures_total',
      help: 'Batches that could not be stored and were returned to the queue',
      registers,
    }),
    deadLettered: new client.Counter({
      name: 'audit_dead_lettered_total',
      help: 'Messages sent to the dead-letter queue instead of the chain: invalid, or unproven producer',
      labelNames: ['reason'] as const,
      registers,
    }),
    lag: new client.Histogram({
      name: 'audit_consumer_lag_seconds',
      help: 'Time from an event occurring to its row being stored in the audit chain',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
  };
}
