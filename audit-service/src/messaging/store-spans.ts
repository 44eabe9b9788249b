import type { AnySecurityEvent } from '@secure-api/shared/events';
import {
  markFailed,
  rootTraceContext,
  startSpan,
  withSpan,
  type TraceContext,
} from '@secure-api/shared/telemetry';

/** A delivery with the trace context it arrived in (the broker message's consume span). */
export interface TracedDelivery {
  event: AnySecurityEvent;
  trace: TraceContext;
}

/**
 * Traces the store of a batch. Each event gets an `audit store` span, child of its own message's
 * consume span, so every producer's trace ends in the store of its event. The transaction itself
 * serves many traces at once: it runs in an `audit store batch` span that starts a trace of its
 * own and links to each event's span, and the database spans are the batch span's children.
 */
export async function traceStore<T>(
  batch: readonly TracedDelivery[],
  store: () => Promise<T>,
): Promise<T> {
  const spans = batch.map(({ event, trace }) =>
    startSpan(
      'audit store',
      {
        attributes: {
          'messaging.message.id': event.id,
          'security_event.type': event.type,
          'audit.batch.size': batch.length,
        },
      },
      trace,
    ),
  );
  try {
    return await withSpan(
      'audit store batch',
      () => store(),
      {
        attributes: { 'audit.batch.size': batch.length },
        links: spans.map((span) => ({ context: span.spanContext() })),
      },
      rootTraceContext(),
    );
  } catch (error) {
    for (const span of spans) markFailed(span, error);
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}
