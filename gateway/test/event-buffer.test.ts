import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import {
  captureLogger,
  eventually,
  TcpProxy,
  TestTokenIssuer,
  testUrls,
  type CapturedLogger,
} from '@secure-api/shared/testing';

import { startServer, type RunningGateway } from '../src/api/server.js';
import { expectUnauthorized, gatewayConfig, headerEchoUpstream } from './helpers.js';
import { EventLog } from './support/event-log.js';

/** Requests answered 401 while the broker is away, each one event. */
interface Refused {
  requestId: string;
  res: request.Response;
}

describe('the gateway’s event buffer, with the broker behind a TCP proxy', () => {
  let issuer: TestTokenIssuer;
  let upstream: Awaited<ReturnType<typeof headerEchoUpstream>>;
  let log: EventLog;

  beforeAll(async () => {
    issuer = await TestTokenIssuer.start();
    upstream = await headerEchoUpstream();
    log = await EventLog.start(['gateway.token_rejected']);
  });

  afterAll(async () => {
    await log.close();
    await upstream.close();
    await issuer.close();
  });

  async function gatewayBehind(
    proxy: TcpProxy,
    env: Record<string, string> = {},
  ): Promise<{ gateway: RunningGateway; logs: CapturedLogger }> {
    const logs = captureLogger('gateway');
    const gateway = await startServer(
      gatewayConfig({
        AUTH_SERVICE_URL: upstream.url,
        USER_SERVICE_URL: upstream.url,
        AUDIT_SERVICE_URL: upstream.url,
        AUTH_JWKS_URL: issuer.jwksUrl,
        AMQP_URL: proxy.urlFor(testUrls.amqp),
        ...env,
      }),
      logs.logger,
    );
    return { gateway, logs };
  }

  /** One request refused for a missing token: one gateway.token_rejected event. */
  async function refused(gateway: RunningGateway): Promise<Refused> {
    const requestId = `req-${randomUUID()}`;
    const res = await request(gateway.url).get('/api/v1/users/me').set('X-Request-ID', requestId);
    return { requestId, res };
  }

  const arrivedOf = (requestIds: string[]) =>
    log
      .where((event) => requestIds.includes(event.client_request_id ?? ''))
      .map((event) => event.client_request_id);

  it('while the broker is cut events wait; after it is back all arrive, once each, in order', async () => {
    const proxy = await TcpProxy.forUrl(testUrls.amqp).start();
    const { gateway, logs } = await gatewayBehind(proxy);
    try {
      // Connected: an event goes through.
      expect(await log.forRequest((await refused(gateway)).requestId)).toHaveLength(1);

      proxy.cut();
      const sent: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        const { requestId, res } = await refused(gateway);
        expectUnauthorized(res);
        sent.push(requestId);
      }
      expect(arrivedOf(sent)).toEqual([]);
      proxy.restore();

      expect(await eventually(() => Promise.resolve(arrivedOf(sent).length >= 20), 20_000)).toBe(
        true,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(arrivedOf(sent)).toEqual(sent);
      // One warning for the outage and one line when it is over, not one per attempt.
      const messages = logs.lines().map((line) => line.msg);
      expect(messages.filter((m) => m === 'security events not published, will retry')).toEqual([
        'security events not published, will retry',
      ]);
      expect(messages).toContain('security events publishing again');
    } finally {
      await gateway.close();
      await proxy.stop();
    }
  });

  it('when full, drops the new event — counted in metrics and logged — and requests go on as before', async () => {
    const proxy = await TcpProxy.forUrl(testUrls.amqp).start();
    proxy.cut();
    const { gateway, logs } = await gatewayBehind(proxy, { EVENT_BUFFER_SIZE: '2' });
    try {
      const sent: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const started = Date.now();
        const { requestId, res } = await refused(gateway);
        // The failure this guards against is a request waiting on the broker (3 s connect,
        // 10 s confirm timeout), not a few milliseconds.
        expect(Date.now() - started).toBeLessThan(2500);
        expectUnauthorized(res);
        sent.push(requestId);
      }

      const metrics = await request(gateway.adminUrl).get('/metrics');
      expect(metrics.text).toMatch(
        /^gateway_events_dropped_total\{[^}]*reason="buffer_full"[^}]*\} 3$/m,
      );
      const lines = () => logs.lines();
      const first = lines().find((line) => line.msg === 'security event dropped');
      expect(first).toMatchObject({
        reason: 'buffer_full',
        event_type: 'gateway.token_rejected',
        event_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      // At most a line a second: the rest are summed up in the next line, none go unsaid.
      const logged = () =>
        lines().reduce((sum, line) => {
          if (line.msg === 'security event dropped') return sum + 1;
          if (line.msg === 'more security events dropped') return sum + Number(line.dropped);
          return sum;
        }, 0);
      expect(await eventually(() => Promise.resolve(logged() === 3), 3000)).toBe(true);

      proxy.restore();
      expect(await eventually(() => Promise.resolve(arrivedOf(sent).length >= 2), 20_000)).toBe(
        true,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(arrivedOf(sent)).toEqual(sent.slice(0, 2));
    } finally {
      await gateway.close();
      await proxy.stop();
    }
  });

  it('closing with the broker away gives up after about two seconds and says what was lost', async () => {
    const proxy = await TcpProxy.forUrl(testUrls.amqp).start();
    proxy.cut();
    const { gateway, logs } = await gatewayBehind(proxy);
    for (let i = 0; i < 3; i += 1) expectUnauthorized((await refused(gateway)).res);

    const started = Date.now();
    await gateway.close();
    const took = Date.now() - started;
    await proxy.stop();

    expect(took).toBeLessThan(5000);
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({ msg: 'security events dropped', reason: 'shutdown', dropped: 3 }),
    );
  });
});
