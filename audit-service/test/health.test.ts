import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import {
  captureLogger,
  createTestDatabase,
  eventually,
  TcpProxy,
  testUrls,
  type TestDatabase,
} from '@secure-api/shared/testing';

import { startServer, type RunningAuditService } from '../src/api/server.js';
import { readConfig } from '../src/config.js';

describe('audit-service health', () => {
  let db: TestDatabase;
  let brokerProxy: TcpProxy;
  let service: RunningAuditService;

  beforeAll(async () => {
    db = await createTestDatabase('audit_health');
    brokerProxy = await TcpProxy.forUrl(testUrls.amqp).start();
    const config = readConfig({
      NODE_ENV: 'test',
      AUDIT_PORT: '0',
      DATABASE_URL: db.url,
      AMQP_URL: brokerProxy.urlFor(testUrls.amqp),
    });
    service = await startServer(config, captureLogger('audit-service').logger);
  });

  afterAll(async () => {
    await service.close();
    await brokerProxy.stop();
    await db.drop();
  });

  it('is ready when its database and broker answer', async () => {
    const res = await request(service.url).get('/health/ready');

    expect(res.body).toEqual({ status: 'ready', checks: { database: 'up', broker: 'up' } });
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
