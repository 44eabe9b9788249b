import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type SpanOptions,
} from '@opentelemetry/api';

export type { Context as TraceContext, Span } from '@opentelemetry/api';
export { SpanKind } from '@opentelemetry/api';

/** The W3C headers (`traceparent`, `tracestate`) that carry a trace across a process boundary. */
export type TraceCarrier = Record<string, string>;

// With no SDK registered the API hands out non-recording spans: these helpers then cost a few
// object allocations and record nothing.
const tracer = () => trace.getTracer('secure-api');

/**
 * Runs `work` in a new span, child of `parent` (default: the active context), ended when `work`
 * settles. A failure marks the span as an error by the error's name only: messages can quote input.
 */
export function withSpan<T>(
  name: string,
  work: (span: Span) => Promise<T>,
  options: SpanOptions = {},
  parent: Context = context.active(),
): Promise<T> {
  return tracer().startActiveSpan(name, options, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A span the caller ends itself (e.g. one per item of a batch), not made active. */
export function startSpan(name: string, options: SpanOptions = {}, parent?: Context): Span {
  return tracer().startSpan(name, options, parent ?? context.active());
}

export function markFailed(span: Span, error: unknown): void {
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.name : 'error',
  });
}

/** The active context, to carry into work that runs later in another async context. */
export function activeTraceContext(): Context {
  return context.active();
}

/** No parent: a span started in it begins a trace of its own. */
export function rootTraceContext(): Context {
  return ROOT_CONTEXT;
}

/** Runs `work` with `parent` as the active context (its spans become children of it). */
export function inTraceContext<T>(parent: Context, work: () => T): T {
  return context.with(parent, work);
}

/** The active trace as W3C headers, or undefined when there is none (tracing off). */
export function currentTraceCarrier(): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return Object.keys(carrier).length > 0 ? carrier : undefined;
}

/** The context a stored carrier names; the root context for anything that is not one. */
export function traceContextFrom(carrier: unknown): Context {
  if (carrier === null || typeof carrier !== 'object') return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier as TraceCarrier);
}

/**
 * Names the active server span after the request's route, `POST /api/v1/users/{id}`, with the
 * route as `http.route`: for a server that routes by itself (the gateway's table), where no
 * Express instrumentation does it.
 */
export function nameServerSpan(method: string, route: string): void {
  const span = trace.getSpan(context.active());
  if (!span) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute('http.route', route);
}

/** The ids of the active span, for log lines; undefined outside any sampled-or-not span. */
export function activeSpanIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const ids = span.spanContext();
  if (!isSpanContextValid(ids)) return undefined;
  return { trace_id: ids.traceId, span_id: ids.spanId };
}
