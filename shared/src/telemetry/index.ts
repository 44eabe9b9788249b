// Distributed tracing. `startTracing` runs first in each service's entry; the span helpers are
// cheap no-ops while tracing is off (only the small OpenTelemetry API is loaded then).
export * from './spans.js';
export * from './start-tracing.js';
