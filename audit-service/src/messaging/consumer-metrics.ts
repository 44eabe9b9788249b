import client from 'prom-client';

import type { Metrics } from '@secure-api/shared/lifecycle';

export type InvalidReason = 'too_large' | 'json' | 'schema';

export interface ConsumerMetrics {
  stored: client.Counter;
  duplicates: client.Counter;
  invalid: client.Counter<'reason'>;
  unproven: client.Counter<'reason'>;
  storeFailures: client.Counter;
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
  };
}
