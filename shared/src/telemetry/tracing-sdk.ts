// Loaded only when tracing is on (start-tracing.ts imports it dynamically).
import { register } from 'node:module';

import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { createAddHookMessageChannel } from 'import-in-the-middle';

import { OutgoingOnlyPropagator } from './edge-propagator.js';
import { createInstrumentations } from './instrumentations.js';
import { ScrubbingSpanExporter } from './span-scrubber.js';
import type { Tracing, TracingOptions } from './start-tracing.js';

const STOP_WAIT_MS = 3000;

/**
 * The SDK, configured by the standard variables: the OTLP exporter reads
 * OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT/HEADERS/TIMEOUT, the provider OTEL_TRACES_SAMPLER(_ARG),
 * the batch processor OTEL_BSP_*, the resource OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
 * Propagation is W3C trace context; a public edge sends it but takes none from its clients.
 */
export async function startTracingSdk(
  service: string,
  options: TracingOptions = {},
): Promise<Tracing> {
  // The project is ESM: import-in-the-middle's loader hook lets the instrumentations patch modules
  // that are imported (node:http, express, ioredis) rather than required. Told which modules to
  // hook, it wraps only those and leaves every other import alone.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': service }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new ScrubbingSpanExporter(new OTLPTraceExporter()))],
  });
  const w3c = new W3CTraceContextPropagator();
  provider.register({ propagator: options.publicEdge ? new OutgoingOnlyPropagator(w3c) : w3c });
  registerInstrumentations({ instrumentations: await createInstrumentations() });
  await waitForAllMessagesAcknowledged();

  return {
    enabled: true,
    // Exports what is still batched, but a collector that is away or does not answer can neither
    // fail the shutdown nor hold it up: after STOP_WAIT_MS the spans are given up.
    stop: () =>
      Promise.race([
        provider.shutdown().catch(() => undefined),
        new Promise<void>((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref()),
      ]),
  };
}
