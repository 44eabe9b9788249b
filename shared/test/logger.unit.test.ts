import { setTimeout as sleep } from 'node:timers/promises';

import { describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { runWithContext } from '@secure-api/shared/http';
import { captureLogger } from '@secure-api/shared/testing';

import { buildTestApp } from './support/test-app.js';

const R = '[REDACTED]';

describe('createLogger redaction', () => {
  it('redacts every credential field at the top level', () => {
    const log = captureLogger('shared-test');
    const secrets = {
      password: 'pw-top-1',
      current_password: 'pw-current-2',
      new_password: 'pw-new-3',
      token: 'tok-4',
      access_token: 'tok-access-5',
      refresh_token: 'tok-refresh-6',
      mfa_token: 'tok-mfa-7',
      secret: 'totp-secret-8',
      code: '918273',
      api_key: 'sk_abcdefgh_key9',
      authorization: 'Bearer jwt-10',
      cookie: 'refresh_token=cookie-11',
      'set-cookie': 'refresh_token=cookie-12',
      'x-api-key': 'sk_abcdefgh_key13',
    };

    log.logger.info({ ...secrets, email: 'ada@example.com' }, 'login attempt');

    const [line] = log.lines();
    for (const field of Object.keys(secrets)) expect(line).toHaveProperty([field], R);
    expect(line).toHaveProperty('email', 'ada@example.com');
    for (const value of Object.values(secrets)) expect(log.text()).not.toContain(value);
  });

  it('redacts request and response headers: authorization, cookies and API keys', () => {
    const log = captureLogger('shared-test');

    log.logger.info(
      {
        req: {
          method: 'POST',
          headers: {
            authorization: 'Bearer jwt-hdr-1',
            cookie: 'refresh_token=hdr-2',
            'x-api-key': 'sk_abcdefgh_hdr3',
            'user-agent': 'jest',
          },
        },
        res: { headers: { 'set-cookie': 'refresh_token=hdr-4; HttpOnly' } },
      },
      'proxied',
    );

    expect(log.lines()[0]).toMatchObject({
      req: {
        method: 'POST',
        headers: { authorization: R, cookie: R, 'x-api-key': R, 'user-agent': 'jest' },
      },
      res: { headers: { 'set-cookie': R } },
    });
    for (const value of ['jwt-hdr-1', 'hdr-2', 'hdr3', 'hdr-4'])
      expect(log.text()).not.toContain(value);
  });

  it('redacts nested fields one and two levels down (*.password, *.*.token)', () => {
    const log = captureLogger('shared-test');

    log.logger.warn(
      {
        headers: { authorization: 'Bearer nested-1' },
        body: { email: 'ada@example.com', password: 'nested-pw-2' },
        event: { data: { token: 'nested-tok-3', code: '123456' } },
      },
      'suspicious',
    );

    expect(log.lines()[0]).toMatchObject({
      headers: { authorization: R },
      body: { email: 'ada@example.com', password: R },
      event: { data: { token: R, code: R } },
    });
    for (const value of ['nested-1', 'nested-pw-2', 'nested-tok-3', '123456']) {
      expect(log.text()).not.toContain(value);
    }
  });

  it('writes JSON lines with the service name, a text level and an ISO time', () => {
    const log = captureLogger('billing-test');

    log.logger.info('hello');

    expect(log.lines()[0]).toMatchObject({ service: 'billing-test', level: 'info', msg: 'hello' });
    expect(String(log.lines()[0]?.time)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });
});

describe('createLogger request ids', () => {
  it('adds request_id to lines logged inside a request context, and only there', () => {
    const log = captureLogger('shared-test');

    runWithContext({ requestId: 'ctx-req-0001' }, () => {
      log.logger.info('inside');
    });
    log.logger.info('outside');

    expect(log.lines()).toEqual([
      expect.objectContaining({ msg: 'inside', request_id: 'ctx-req-0001' }),
      expect.not.objectContaining({ request_id: expect.anything() as unknown }),
    ]);
  });

  it('tags handler and access-log lines with the request id, even across awaits and concurrent requests', async () => {
    const { app, log } = buildTestApp((routes) => {
      routes.post('/work', async (req, res) => {
        const { label, wait } = req.body as { label: string; wait: number };
        log.logger.info({ label }, 'before await');
        await sleep(wait);
        log.logger.info({ label }, 'after await');
        res.json({ label });
      });
    });

    const [slow, fast] = await Promise.all([
      request(app)
        .post('/work')
        .set('X-Request-ID', 'slow-request-0001')
        .send({ label: 'slow', wait: 50 }),
      request(app)
        .post('/work')
        .set('X-Request-ID', 'fast-request-0002')
        .send({ label: 'fast', wait: 0 }),
    ]);

    expect(slow.status).toBe(200);
    expect(fast.status).toBe(200);
    const idsFor = (label: string) =>
      log
        .lines()
        .filter((line) => line.label === label)
        .map((line) => line.request_id);
    expect(idsFor('slow')).toEqual(['slow-request-0001', 'slow-request-0001']);
    expect(idsFor('fast')).toEqual(['fast-request-0002', 'fast-request-0002']);
    const accessLines = log.lines().filter((line) => line.msg === 'request');
    expect(accessLines.map((line) => line.request_id).sort()).toEqual([
      'fast-request-0002',
      'slow-request-0001',
    ]);
  });
});
