import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { eventually, TcpProxy, testUrls } from '@secure-api/shared/testing';

import { loginSucceeded } from './support/events.js';
import { AuditHarness } from './support/harness.js';

describe('audit-service losing its broker or dying mid-batch', () => {
  let h: AuditHarness;
  let dbProxy: TcpProxy;
  let amqpProxy: TcpProxy;

  beforeAll(async () => {
    h = await AuditHarness.start('audit_crash', null);
    dbProxy = await TcpProxy.forUrl(h.db.url).start();
    amqpProxy = await TcpProxy.forUrl(testUrls.amqp).start();
  });

  afterAll(async () => {
    await h.close();
    await dbProxy.stop();
    await amqpProxy.stop();
  });

  const proxied = () =>
    h.startInstance({
      databaseUrl: dbProxy.urlFor(h.db.url),
      amqpUrl: amqpProxy.urlFor(testUrls.amqp),
      prefetch: 2,
    });

  it('after the broker connection drops and returns, the consumer picks up where it was', async () => {
    const instance = await proxied();
    const before = loginSucceeded();
    await h.publish([before]);
    expect(await h.waitStored([before.id])).toBe(true);

    amqpProxy.cut();
    const during = Array.from({ length: 20 }, () => loginSucceeded());
    await h.publish(during);
    await new Promise((resolve) => setTimeout(resolve, 500));
    amqpProxy.restore();

    expect(
      await h.waitStored(
        during.map((e) => e.id),
        20_000,
      ),
    ).toBe(true);
    await h.stopInstance(instance);
  });

  it('killed in the middle of a batch and restarted: no event lost, none stored or logged twice', async () => {
    const killed = await proxied();
    const events = Array.from({ length: 1000 }, () => loginSucceeded());
    const ids = events.map((e) => e.id);

    await h.publish(events);
    expect(await eventually(async () => (await h.countStored(ids)) >= 50, 20_000)).toBe(true);
    // The process dies: both of its connections drop at once, nothing more is acked.
    amqpProxy.cut();
    dbProxy.cut();
    const storedAtCrash = await h.countStored(ids);
    await h.stopInstance(killed);
    amqpProxy.restore();
    dbProxy.restore();
    await h.startInstance();

    expect(storedAtCrash).toBeLessThan(1000);
    expect(await h.waitStored(ids, 30_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await h.countStored(ids)).toBe(1000);
    const logged = h.siemLines(ids).map((l) => (l.event as { id: string }).id);
    expect(new Set(logged).size).toBe(logged.length);
    const verify = await h.get('/api/v1/admin/audit/verify');
    expect(verify.body).toMatchObject({ valid: true, first_bad_id: null });
  }, 60_000);
});
