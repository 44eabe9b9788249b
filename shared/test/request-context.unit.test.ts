import { randomUUID } from 'node:crypto';

import { describe, expect, it } from '@jest/globals';
import request from 'supertest';

import {
  clientIpOf,
  currentActor,
  currentClientRequestId,
  currentRequestId,
  isSaneRequestId,
  parseCidr,
} from '@secure-api/shared/http';
import { createMetrics, createServiceApp, Readiness } from '@secure-api/shared/lifecycle';
import { captureLogger } from '@secure-api/shared/testing';

import { UUID_V4 } from './support/test-app.js';

function contextApp(requestIds?: 'own' | 'from-caller') {
  return createServiceApp({
    logger: captureLogger('shared-test').logger,
    metrics: createMetrics('shared-test'),
    readiness: new Readiness({}),
    ...(requestIds ? { requestIds } : {}),
    routes: (app) => {
      app.get('/whoami', (req, res) => {
        res.json({
          header: req.headers['x-request-id'],
          context: currentRequestId(),
          clientHeader: req.headers['x-client-request-id'] ?? null,
          clientContext: currentClientRequestId() ?? null,
        });
      });
    },
  });
}

describe('request context in a service (ids from its caller)', () => {
  it.each([
    ['a UUID', randomUUID()],
    ['a dotted trace id', 'trace.0af7651916cd43dd:b7ad6b7169203331'],
    ['the shortest allowed (8 chars)', 'abcd1234'],
    ['the longest allowed (128 chars)', `r${'x'.repeat(127)}`],
  ])('echoes a sane X-Request-ID (%s) and hands it to the handler', async (_case, id) => {
    const res = await request(contextApp()).get('/whoami').set('X-Request-ID', id);

    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe(id);
    expect(res.body).toMatchObject({ header: id, context: id });
  });

  it('takes the X-Client-Request-ID its caller forwards, and echoes it', async () => {
    const res = await request(contextApp())
      .get('/whoami')
      .set('X-Request-ID', 'gateway-own-0001')
      .set('X-Client-Request-ID', 'client-label-0001');

    expect(res.headers['x-client-request-id']).toBe('client-label-0001');
    expect(res.body).toEqual({
      header: 'gateway-own-0001',
      context: 'gateway-own-0001',
      clientHeader: 'client-label-0001',
      clientContext: 'client-label-0001',
    });
  });

  it('drops an unsafe X-Client-Request-ID instead of replacing it', async () => {
    const res = await request(contextApp())
      .get('/whoami')
      .set('X-Client-Request-ID', 'abcd1234","level":"fatal');

    expect(res.headers['x-client-request-id']).toBeUndefined();
    expect(res.body).toMatchObject({ clientHeader: null, clientContext: null });
  });

  it.each([
    ['too short', 'abc123'],
    ['one char too long (129)', `r${'x'.repeat(128)}`],
    ['500 characters', 'r'.repeat(500)],
    ['containing spaces', 'request id with spaces'],
    ['starting with punctuation', '-leading-dash-id'],
    ['carrying markup', '<script>alert(1)</script>'],
    ['carrying a log-injection attempt', 'abcd1234","level":"fatal'],
  ])('replaces an X-Request-ID %s with a generated UUID', async (_case, id) => {
    const res = await request(contextApp()).get('/whoami').set('X-Request-ID', id);

    const echoed = res.headers['x-request-id'];
    expect(echoed).toMatch(UUID_V4);
    expect(echoed).not.toBe(id);
    expect(res.body).toMatchObject({ header: echoed, context: echoed });
  });

  it('generates a fresh UUID per request when none is sent', async () => {
    const app = contextApp();

    const first = await request(app).get('/whoami');
    const second = await request(app).get('/whoami');

    expect(first.headers['x-request-id']).toMatch(UUID_V4);
    expect(second.headers['x-request-id']).toMatch(UUID_V4);
    expect(first.headers['x-request-id']).not.toBe(second.headers['x-request-id']);
  });

  it('puts the same id on problem responses', async () => {
    const res = await request(contextApp()).get('/missing').set('X-Request-ID', 'client-id-0042');

    expect(res.status).toBe(404);
    expect(res.headers['x-request-id']).toBe('client-id-0042');
    expect(res.body).toMatchObject({ request_id: 'client-id-0042' });
  });

  it('has no request id outside a request', () => {
    expect(currentRequestId()).toBeUndefined();
    expect(currentClientRequestId()).toBeUndefined();
  });
});

describe('request context at the edge (requestIds: own)', () => {
  it('files every request under an id of its own, keeping a sane client id apart and echoing both', async () => {
    const res = await request(contextApp('own'))
      .get('/whoami')
      .set('X-Request-ID', 'client-chosen-0001');

    const own = res.headers['x-request-id'];
    expect(own).toMatch(UUID_V4);
    expect(res.headers['x-client-request-id']).toBe('client-chosen-0001');
    expect(res.body).toEqual({
      header: own,
      context: own,
      clientHeader: 'client-chosen-0001',
      clientContext: 'client-chosen-0001',
    });
  });

  it('puts its own id, not the client’s, on problem responses', async () => {
    const res = await request(contextApp('own'))
      .get('/missing')
      .set('X-Request-ID', 'client-chosen-0002');

    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ request_id: res.headers['x-request-id'] });
    expect(JSON.stringify(res.body)).not.toContain('client-chosen-0002');
  });

  it('ignores an X-Client-Request-ID the client sends itself, and an unsafe X-Request-ID', async () => {
    const res = await request(contextApp('own'))
      .get('/whoami')
      .set('X-Client-Request-ID', 'forged-client-0001')
      .set('X-Request-ID', 'bad id\twith spaces');

    expect(res.headers['x-request-id']).toMatch(UUID_V4);
    expect(res.headers['x-client-request-id']).toBeUndefined();
    expect(res.body).toMatchObject({ clientHeader: null, clientContext: null });
  });

  it('logs both ids on every line of the request', async () => {
    const log = captureLogger('shared-test');
    const app = createServiceApp({
      logger: log.logger,
      metrics: createMetrics('shared-test'),
      readiness: new Readiness({}),
      requestIds: 'own',
      routes: () => undefined,
    });

    const res = await request(app).get('/health/live').set('X-Request-ID', 'client-chosen-0003');

    expect(
      log
        .lines()
        .filter((line) => line.msg === 'request')
        .map((line) => [line.request_id, line.client_request_id]),
    ).toEqual([[res.headers['x-request-id'], 'client-chosen-0003']]);
  });
});

describe('the client address', () => {
  /** An app that trusts these proxies and tells what it decided about the caller. */
  function ipApp(...trusted: string[]) {
    return createServiceApp({
      logger: captureLogger('shared-test').logger,
      metrics: createMetrics('shared-test'),
      readiness: new Readiness({}),
      trustedProxies: trusted.map((cidr) => parseCidr(cidr)!),
      routes: (app) => {
        app.get('/whoami', (req, res) => {
          res.json({ ip: clientIpOf(req), actor: currentActor().ip });
        });
      },
    });
  }
  const forged = '203.0.113.77, 198.51.100.9';

  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For says', async () => {
    const res = await request(ipApp()).get('/whoami').set('X-Forwarded-For', forged);

    expect(res.body).toEqual({ ip: '127.0.0.1', actor: '127.0.0.1' });
  });

  it('is the socket peer when the peer is not one of the trusted proxies', async () => {
    const res = await request(ipApp('10.0.0.0/8'))
      .get('/whoami')
      .set('X-Forwarded-For', forged)
      .set('Forwarded', 'for=192.0.2.1');

    expect(res.body).toEqual({ ip: '127.0.0.1', actor: '127.0.0.1' });
  });

  it('behind a trusted proxy, is the right-most hop that is not a trusted proxy', async () => {
    const res = await request(ipApp('127.0.0.1/32')).get('/whoami').set('X-Forwarded-For', forged);

    // 203.0.113.77 was written by whoever called the proxy: only the proxy's own entry counts.
    expect(res.body).toEqual({ ip: '198.51.100.9', actor: '198.51.100.9' });
  });

  it('walks past every trusted hop of the chain', async () => {
    const res = await request(ipApp('127.0.0.1/32', '10.0.0.0/8'))
      .get('/whoami')
      .set('X-Forwarded-For', '203.0.113.77, 10.1.2.3');

    expect(res.body).toEqual({ ip: '203.0.113.77', actor: '203.0.113.77' });
  });
});

describe('isSaneRequestId()', () => {
  it.each([
    'valid-id-1234\nlevel=fatal',
    'valid-id-1234\r\nSet-Cookie: x=y',
    'tab\tseparated-id',
    'unicode-idé-12345',
    '',
  ])('refuses %j', (value) => {
    expect(isSaneRequestId(value)).toBe(false);
  });

  it('refuses anything that is not a string', () => {
    expect(isSaneRequestId(['abcd1234', 'efgh5678'])).toBe(false);
    expect(isSaneRequestId(12345678)).toBe(false);
    expect(isSaneRequestId(undefined)).toBe(false);
  });
});
