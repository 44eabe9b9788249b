import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { eventually } from '@secure-api/shared/testing';

import { codeAt, enrolTwoFactor } from '../support/auth-flows.js';
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from '../support/otlp-receiver.js';
import { refreshCookieOf, registerUser, type TestUser } from '../support/system.js';
import { buildServices, startTracedSystem, type TracedSystem } from '../support/traced-system.js';

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;
const FORGED_TRACE_ID = 'feedfacefeedfacefeedfacefeedface';
const FORGED_TRACEPARENT = `00-${FORGED_TRACE_ID}-00f067aa0ba902b7-01`;

/** The spans of one trace, and questions about them. */
class Trace {
  constructor(readonly spans: ReceivedSpan[]) {}

  get id(): string {
    return this.spans[0]?.traceId ?? '';
  }

  of(service: string, kind?: number): ReceivedSpan[] {
    return this.spans.filter(
      (s) => s.service === service && (kind === undefined || s.kind === kind),
    );
  }

  byId(spanId: string): ReceivedSpan | undefined {
    return this.spans.find((s) => s.spanId === spanId);
  }

  /** The service's server span for `path`, whose parent must be in this trace. */
  server(service: string, path: string): ReceivedSpan | undefined {
    return this.of(service, SERVER).find((s) => targetOf(s) === path);
  }

  /** The first child of a span. */
  childOf(span: ReceivedSpan | undefined): ReceivedSpan | undefined {
    return span && this.spans.find((s) => s.parentSpanId === span.spanId);
  }

  /** Each outbox relay span with its publish, the audit consumer's span and the store's. */
  relayChains(): ReceivedSpan[][] {
    return this.spans
      .filter((s) => s.name === 'outbox relay')
      .map((relay) => {
        const publish = this.childOf(relay);
        const consume = this.childOf(publish);
        return [relay, publish, consume, this.childOf(consume)].filter(
          (s): s is ReceivedSpan => s !== undefined,
        );
      });
  }

  /** Every hop arrived: user-service's span, and each relayed event down to its store. */
  get complete(): boolean {
    const chains = this.relayChains();
    return (
      this.of('user-service', SERVER).length > 0 &&
      chains.length > 0 &&
      chains.every((chain) => chain.length === 4)
    );
  }

  /** The span a span names as its parent, as [service, kind]: where the context came from. */
  parentOf(span: ReceivedSpan | undefined): [string, number] | undefined {
    const parent = span && this.byId(span.parentSpanId);
    return parent && [parent.service, parent.kind];
  }
}

/** The request path a server span saw (old or stable semantic conventions), query left out. */
function targetOf(span: ReceivedSpan): string {
  const path = span.attributes['url.path'] ?? span.attributes['http.target'];
  return typeof path === 'string' ? (path.split('?')[0] ?? '') : '';
}

describe('tracing: one login is one trace across every hop, and no span holds a secret', () => {
  let receiver: OtlpReceiver;
  let system: TracedSystem;
  let user: TestUser;
  const secrets: string[] = [];

  beforeAll(async () => {
    buildServices();
    receiver = await startOtlpReceiver();
    system = await startTracedSystem('tracing', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      // Export within a fraction of a second instead of the default 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
  }, 240_000);

  afterAll(async () => {
    await system.close();
    await receiver.close();
  }, 60_000);

  /** Every span of the trace that holds the gateway's server span for `path`, once complete. */
  async function traceOf(path: string, complete: (trace: Trace) => boolean): Promise<Trace> {
    let trace = new Trace([]);
    await eventually(() => {
      const entry = receiver.spans.find(
        (s) => s.service === 'gateway' && s.kind === SERVER && targetOf(s) === path,
      );
      trace = new Trace(entry ? receiver.spans.filter((s) => s.traceId === entry.traceId) : []);
      return Promise.resolve(trace.spans.length > 0 && complete(trace));
    }, 30_000);
    return trace;
  }

  it('follows a 2FA login and a refresh through gateway, auth, users, the outbox relay and audit', async () => {
    user = await registerUser(system.gateway);
    const first = await request(system.gateway)
      .post('/api/v1/auth/login')
      .send({ email: user.email, password: user.password });
    expect(first.status).toBe(200);
    const firstToken = (first.body as { access_token: string }).access_token;
    const enrolled = await enrolTwoFactor(system.gateway, user, firstToken);
    secrets.push(
      user.password,
      firstToken,
      enrolled.secret,
      enrolled.token,
      ...enrolled.backupCodes,
    );

    // The traced requests: the password step, the second factor, a refresh.
    const password = await request(system.gateway)
      .post('/api/v1/auth/login')
      .send({ email: user.email, password: user.password });
    expect(password.status).toBe(200);
    const mfaToken = (password.body as { mfa_token: string }).mfa_token;
    const code = await codeAt(enrolled.secret, 1);
    const second = await request(system.gateway)
      .post('/api/v1/auth/login/2fa')
      // A client's own trace context is not taken at the public edge.
      .set('traceparent', FORGED_TRACEPARENT)
      .send({ mfa_token: mfaToken, code });
    expect(second.status).toBe(200);
    const accessToken = (second.body as { access_token: string }).access_token;
    const refreshCookie = refreshCookieOf(second);
    const refreshed = await request(system.gateway)
      .post('/api/v1/auth/refresh')
      .set('Origin', 'https://app.example.com')
      .set('Cookie', refreshCookie);
    expect(refreshed.status).toBe(200);
    secrets.push(
      mfaToken,
      code,
      accessToken,
      refreshCookie.slice(refreshCookie.indexOf('=') + 1),
      (refreshed.body as { access_token: string }).access_token,
      refreshCookieOf(refreshed).split('=')[1] ?? '',
    );

    // A query string is never recorded (reset and verification links carry tokens there), nor the
    // bearer token the gateway passes on.
    const canary = `canary-${randomUUID()}`;
    const me = await request(system.gateway)
      .get(`/api/v1/users/me?token=${canary}`)
      .set('Authorization', `Bearer ${accessToken}`);
    expect(me.status).toBe(200);
    secrets.push(canary);
    const profile = await traceOf(
      '/api/v1/users/me',
      (t) => t.of('user-service', SERVER).length > 0,
    );
    expect(profile.parentOf(profile.of('user-service', SERVER)[0])).toEqual(['gateway', CLIENT]);

    // The second factor: tokens issued, a login event written to the outbox and stored by audit.
    const login = await traceOf('/api/v1/auth/login/2fa', (t) => t.complete);
    const entry = login.server('gateway', '/api/v1/auth/login/2fa');
    expect(entry?.parentSpanId).toBe('');
    expect([entry?.name, entry?.attributes['http.route']]).toEqual([
      'POST /api/v1/auth/login/2fa',
      '/api/v1/auth/login/2fa',
    ]);
    expect(receiver.spans.filter((s) => s.traceId === FORGED_TRACE_ID)).toEqual([]);
    const auth = login.server('auth-service', '/api/v1/auth/login/2fa');
    expect(login.parentOf(auth)).toEqual(['gateway', CLIENT]);
    const users = login.of('user-service', SERVER)[0];
    expect(login.parentOf(users)).toEqual(['auth-service', CLIENT]);

    const chains = login.relayChains();
    expect(chains.length).toBeGreaterThan(0);
    for (const [relay, publish, consume, store] of chains) {
      expect(relay?.service).toBe('auth-service');
      // A child of the request that wrote the event, not a trace of the relay's own.
      expect(login.parentOf(relay)?.[0]).toBe('auth-service');
      expect([publish?.service, publish?.kind]).toEqual(['auth-service', PRODUCER]);
      expect([consume?.service, consume?.kind]).toEqual(['audit-service', CONSUMER]);
      expect([store?.service, store?.name]).toEqual(['audit-service', 'audit store']);
      expect(store?.attributes['security_event.type']).toBe(
        relay?.attributes['security_event.type'],
      );
    }
    expect(chains.map(([relay]) => relay?.attributes['security_event.type'])).toContain(
      'auth.login.succeeded',
    );

    // The password step: the Argon2 queue wait is a span of its own inside auth-service.
    const passwordStep = await traceOf('/api/v1/auth/login', (t) =>
      t.spans.some((s) => s.name === 'argon2 queue wait'),
    );
    const wait = passwordStep.spans.find((s) => s.name === 'argon2 queue wait');
    expect(wait?.service).toBe('auth-service');
    expect(login.id).not.toBe(passwordStep.id);
    expect(passwordStep.parentOf(wait)?.[0]).toBe('auth-service');
    expect(
      passwordStep.parentOf(passwordStep.server('auth-service', '/api/v1/auth/login')),
    ).toEqual(['gateway', CLIENT]);

    const refresh = await traceOf('/api/v1/auth/refresh', (t) =>
      t.relayChains().some((chain) => chain.length === 4),
    );
    expect(refresh.parentOf(refresh.server('auth-service', '/api/v1/auth/refresh'))).toEqual([
      'gateway',
      CLIENT,
    ]);

    // Logs join traces: auth-service's lines written while serving the login carry its trace id.
    const authLines = (system.logs.get('auth-service') ?? '')
      .split('\n')
      .filter((line) => line.includes(`"trace_id":"${login.id}"`));
    expect(authLines.length).toBeGreaterThan(0);
    expect(authLines.every((line) => /"span_id":"[0-9a-f]{16}"/.test(line))).toBe(true);
  }, 120_000);

  it('exports no password, token, cookie, TOTP code or full email in any span', async () => {
    // Stragglers (a batch is exported every 200 ms here) arrive before the scan.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Whatever arrived, in the bytes as sent (protobuf strings are plain UTF-8) and as decoded.
    const raw = Buffer.concat(receiver.bodies).toString('latin1');
    const decoded = JSON.stringify(receiver.spans);
    expect(receiver.spans.length).toBeGreaterThan(20);
    const leaked = [...secrets, user.email].filter(
      (secret) => secret.length > 0 && (raw.includes(secret) || decoded.includes(secret)),
    );
    expect(leaked).toEqual([]);
    const keys = receiver.spans.flatMap((s) => Object.keys(s.attributes));
    expect(keys.filter((key) => /authorization|cookie|api-key/i.test(key))).toEqual([]);
    const withQuery = receiver.spans.flatMap((s) =>
      Object.entries(s.attributes).filter(
        ([key, value]) => /url|target/.test(key) && String(value).includes('?'),
      ),
    );
    expect(withQuery).toEqual([]);
  });
});
