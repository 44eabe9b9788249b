import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from '@jest/globals';

import { tracingConfigured } from '@secure-api/shared/telemetry';

const ROOT = path.resolve(import.meta.dirname, '../..');

// A process of its own (jest's vm modules are not a real module loader): start tracing as a
// service entry does, then list the OpenTelemetry packages that are loaded.
const PROBE = `
import { createRequire } from 'node:module';
import { startTracing } from './shared/src/telemetry/index.ts';
const tracing = await startTracing('probe');
const loaded = Object.keys(createRequire(import.meta.url).cache)
  .map((file) => /node_modules\\/(@opentelemetry\\/[^/]+)/.exec(file)?.[1])
  .filter(Boolean);
console.log(JSON.stringify({ enabled: tracing.enabled, loaded: [...new Set(loaded)].sort() }));
await tracing.stop();
`;

async function probe(env: Record<string, string>): Promise<{ enabled: boolean; loaded: string[] }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '--eval', PROBE],
    { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, timeout: 30_000 },
  );
  return JSON.parse(stdout) as { enabled: boolean; loaded: string[] };
}

describe('tracing on and off', () => {
  it('is on when an OTLP endpoint, general or for traces, is set, unless the SDK is disabled', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(
      tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }),
    ).toBe(true);
    expect(
      tracingConfigured({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_SDK_DISABLED: 'true',
      }),
    ).toBe(false);
  });

  it('off: not one SDK package is loaded, only the API', async () => {
    const { enabled, loaded } = await probe({});
    expect(enabled).toBe(false);
    expect(loaded).toEqual(['@opentelemetry/api']);
  }, 40_000);

  it('on: the SDK, the OTLP exporter and the instrumentations are loaded', async () => {
    const { enabled, loaded } = await probe({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(enabled).toBe(true);
    expect(loaded).toEqual(
      expect.arrayContaining([
        '@opentelemetry/sdk-trace-node',
        '@opentelemetry/exporter-trace-otlp-proto',
        '@opentelemetry/instrumentation-http',
        '@opentelemetry/instrumentation-amqplib',
      ]),
    );
  }, 40_000);
});
