import {
  createCounter,
  createHistogram,
  type Counter,
  type Histogram,
  type Metrics,
} from '@secure-api/shared/lifecycle';

export type InvalidReason = 'too_large' | 'json' | 'schema';

export interface ConsumerMetrics {
  stored: Counter;
  duplicates: Counter;
  invalid: Counter<'reason'>;
  unproven: Counter<'reason'>;
  storeFailures: Counter;
  deadLettered: Counter<'reason'>;
  /** Stored time minus the event's occurred_at. */
  lag: Histogram;
}

/** On the service's own registry, served at /metrics. */
export function createConsumerMetrics(metrics: Metrics): ConsumerMetrics {
  return {
    stored: createCounter(metrics, {
      name: 'audit_events_stored_total',
      help: 'Security events appended to the audit chain',
    }),
    duplicates: createCounter(metrics, {
      name: 'audit_events_duplicate_total',
      help: 'Deliveries of an already stored event id, acknowledged without a second row',
    }),
    invalid: createCounter(metrics, {
      name: 'audit_invalid_messages_total',
      help: 'Messages that are not valid security events, dead-lettered',
      labelNames: ['reason'] as const,
    }),
    unproven: createCounter(metrics, {
      name: 'audit_events_unproven_total',
      help: 'Valid events whose producer is not proven (no user_id, an unknown broker user, or one not allowed that source or type), dead-lettered',
      labelNames: ['reason'] as const,
    }),
    storeFailures: createCounter(metrics, {
      name: 'audit_store_failures_total',
      help: 'Batches that could not be stored and were returned to the queue',
    }),
    deadLettered: createCounter(metrics, {
      name: 'audit_dead_lettered_total',
      help: 'Messages sent to the dead-letter queue instead of the chain: invalid, or unproven producer',
      labelNames: ['reason'] as const,
    }),
    lag: createHistogram(metrics, {
      name: 'audit_consumer_lag_seconds',
      help: 'Time from an event occurring to its row being stored in the audit chain',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    }),
  };
}
