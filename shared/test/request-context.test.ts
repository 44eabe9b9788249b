import { randomUUID } from 'node:crypto';

import { describe, expect, it } from '@jest/globals';
import request from 'supertest';

import {
  clientIpOf,
  createMetrics,
  createServiceApp,
  currentActor,
  currentRequestId,
  isSaneRequestId,
  parseCidr,
  Readiness,
} from '@secure-api/shared';
import { captureLogger } from '@secure-api/shared/testing';

import { buildTestApp, UUID_V4 } from './support/test-app.js';

function contextApp() {
  return buildTestApp((app) => {
    app.get('/whoami', (req, res) => {
      res.json({ header: req.headers['x-request-id'], context: currentRequestId() });
    });
  }).app;
}

describe('request context', () => {
  it.each([
    ['a UUID', randomUUID()],
    ['a dotted trace id', 'trace.0af7651916cd43dd:b7ad6b7169203331'],
    ['the shortest allowed (8 chars)', 'abcd1234'],
    ['the longest allowed (128 chars)', `r${'x'.repeat(127)}`],
  ])('echoes a sane X-Request-ID (%s) and hands it to the handler', async (_case, id) => {
    const res = await request(contextApp()).get('/whoami').set('X-Request-ID', id);

    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe(id);
    expect(res.body).toEqual({ header: id, context: id });
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
    expect(res.body).toEqual({ header: echoed, context: echoed });
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
