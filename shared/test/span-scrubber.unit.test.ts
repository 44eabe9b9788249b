import { describe, expect, it } from '@jest/globals';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';

import { ScrubbingSpanExporter, scrubAttributes } from '../src/telemetry/span-scrubber.js';

const R = '[REDACTED]';
const JWT = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJl';

describe('span scrubbing', () => {
  it('drops credential attributes and strips what URLs, SQL and free text may carry', () => {
    const clean = scrubAttributes({
      'http.request.header.authorization': 'Bearer abc',
      'http.request.header.cookie': 'refresh_token=xyz',
      'http.response.header.set-cookie': 'refresh_token=xyz',
      'http.request.header.x-api-key': 'sk_live_1',
      'url.full': 'http://127.0.0.1:8081/api/v1/auth/verify-email?token=link-token-1',
      'http.target': '/api/v1/auth/reset?token=link-token-2',
      'url.query': 'token=link-token-3',
      'messaging.url': 'amqp://auth:broker-password@rabbit:5672',
      'db.query.text': `SELECT * FROM "credentials" WHERE "email" = 'ada@example.com' AND note = 'it''s'`,
      'exception.message': `token ${JWT} rejected for ada@example.com, header Bearer opaque.token`,
      'url.path': '/api/v1/users/me',
      'http.response.status_code': 200,
      'express.names': ['ada@example.com', 'router'],
    });

    expect(clean).toEqual({
      'url.full': 'http://127.0.0.1:8081/api/v1/auth/verify-email',
      'http.target': '/api/v1/auth/reset',
      'url.query': R,
      'messaging.url': `amqp://${R}@rabbit:5672`,
      'db.query.text': `SELECT * FROM "credentials" WHERE "email" = '?' AND note = '?'`,
      'exception.message': `token ${R} rejected for ${R}, header Bearer ${R}`,
      'url.path': '/api/v1/users/me',
      'http.response.status_code': 200,
      'express.names': [R, 'router'],
    });
  });

  it('the exporter receives only scrubbed copies: names, attributes and events', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(new ScrubbingSpanExporter(memory))],
    });
    const span = provider.getTracer('test').startSpan('lookup ada@example.com', {
      attributes: { 'http.request.header.cookie': 'device_1=secret', 'user.id': 'u-1' },
    });
    span.addEvent('exception', { 'exception.message': `bad token ${JWT}` });
    span.end();
    await provider.forceFlush();

    const [exported] = memory.getFinishedSpans();
    expect(exported?.name).toBe(`lookup ${R}`);
    expect(exported?.attributes).toEqual({ 'user.id': 'u-1' });
    expect(exported?.events.map((e) => e.attributes)).toEqual([
      { 'exception.message': `bad token ${R}` },
    ]);
    // Ids, times and status read through to the span as recorded.
    expect(exported?.spanContext().traceId).toBe(span.spanContext().traceId);
    expect(exported?.duration).toEqual((span as unknown as { duration: unknown }).duration);
    await provider.shutdown();
  });
});
