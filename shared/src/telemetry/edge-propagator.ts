import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';

/**
 * The public edge's propagation: context goes out to the services, but none is taken from a
 * client. A `traceparent` sent from the internet would otherwise choose the trace id and force
 * sampling of every request it marks; at the gateway each request starts a trace of its own.
 */
export class OutgoingOnlyPropagator implements TextMapPropagator {
  constructor(private readonly outgoing: TextMapPropagator) {}

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this.outgoing.inject(context, carrier, setter);
  }

  extract(context: Context, _carrier: unknown, _getter: TextMapGetter): Context {
    return context;
  }

  fields(): string[] {
    return this.outgoing.fields();
  }
}
