import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import amqp from 'amqplib';

import {
  captureLogger,
  createTestDatabase,
  eventually,
  TcpProxy,
  testUrls,
  uniqueName,
  type TestDatabase,
} from '@secure-api/shared/testing';

import { startServer, type RunningAuditService } from '../src/api/server.js';
import { readConfig } from '../src/config.js';

describe('audit-service health', () => {
  let db: TestDatabase;
  let brokerProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let service: RunningAuditService;
  // Never the production queue names: a local audit-service may be consuming those.
  const queue = uniqueName('audit_health_q');
  const deadLetterQueue = uniqueName('audit_health_dlq');

  beforeAll(async () => {
    db = await createTestDatabase('audit_health');
    brokerProxy = await TcpProxy.forUrl(testUrls.amqp).start();
    redisProxy = await TcpProxy.forUrl(testUrls.redis).start();
    const config = readConfig({
      NODE_ENV: 'test',
      AUDIT_PORT: '0',
      DATABASE_URL: db.url,
      AMQP_URL: brokerProxy.urlFor(testUrls.amqp),
      REDIS_URL: redisProxy.urlFor(testUrls.redis),
      AUDIT_QUEUE: queue,
      AUDIT_DEAD_LETTER_QUEUE: deadLetterQueue,
    });
    service = await startServer(config, captureLogger('audit-service').logger);
  });

  afterAll(async () => {
    await service.close();
    await brokerProxy.stop();
    await redisProxy.stop();
    const connection = await amqp.connect(testUrls.amqp);
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue);
    await channel.deleteQueue(deadLetterQueue);
    await connection.close();
    await db.drop();
  });

  it('is ready when its database, Redis and broker answer', async () => {
    const res = await request(service.url).get('/health/ready');

    expect(res.body).toEqual({
      status: 'ready',
      checks: { database: 'up', redis: 'up', broker: 'up' },
    });
  });

  it('when Redis, which holds the revocation marks, becomes unreachable, is unready naming it, and recovers', async () => {
    redisProxy.cut();
    const ready = await request(service.url).get('/health/ready');
    redisProxy.restore();

    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      status: 'unavailable',
      checks: { database: 'up', redis: 'down', broker: 'up' },
    });
    expect(
      await eventually(
        async () => (await request(service.url).get('/health/ready')).status === 200,
      ),
    ).toBe(true);
  });

  it('goes unready when the broker connection drops and reconnects by itself', async () => {
    brokerProxy.cut();
    const down = await eventually(
      async () => (await request(service.url).get('/health/ready')).status === 503,
    );
    brokerProxy.restore();
    const back = await eventually(
      async () => (await request(service.url).get('/health/ready')).status === 200,
    );

    expect(down).toBe(true);
    expect(back).toBe(true);
  });
});
