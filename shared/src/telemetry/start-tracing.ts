/** What a service's entry keeps, to flush the last spans as it stops. */
export interface Tracing {
  readonly enabled: boolean;
  stop(): Promise<void>;
}

export interface TracingOptions {
  /** Facing the internet: an incoming `traceparent` is ignored, every request starts a trace. */
  publicEdge?: boolean;
}

const OFF: Tracing = { enabled: false, stop: () => Promise.resolve() };

/**
 * Whether traces have somewhere to go: the standard OTLP endpoint variables, general or for
 * traces, and not OTEL_SDK_DISABLED. Neither set means tracing is off.
 */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return Boolean(
    env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim(),
  );
}

/**
 * Starts the OpenTelemetry SDK when an OTLP endpoint is configured, else does nothing at all: the
 * SDK is not even loaded. Must run before the service's own modules are imported (the entry
 * imports them dynamically after this), because the instrumentations patch http, express, pg,
 * ioredis and amqplib as those load. `service` is OTEL_SERVICE_NAME's default.
 */
export async function startTracing(
  service: string,
  options: TracingOptions = {},
): Promise<Tracing> {
  if (!tracingConfigured()) return OFF;
  const { startTracingSdk } = await import('./tracing-sdk.js');
  return startTracingSdk(service, options);
}
