import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import {
  captureLogger,
  createTestDatabase,
  TcpProxy,
  testUrls,
  type TestDatabase,
} from '@secure-api/shared/testing';

import { startServer, type RunningAuthService } from '../src/api/server.js';
import { readConfig } from '../src/config.js';

describe('auth-service health', () => {
  let db: TestDatabase;
  let redisProxy: TcpProxy;
  let service: RunningAuthService;

  beforeAll(async () => {
    db = await createTestDatabase('auth_health');
    redisProxy = await TcpProxy.forUrl(testUrls.redis).start();
    const config = readConfig({
      NODE_ENV: 'test',
      AUTH_PORT: '0',
      DATABASE_URL: db.url,
      REDIS_URL: redisProxy.urlFor(testUrls.redis),
    });
    service = await startServer(config, captureLogger('auth-service').logger);
  });

  afterAll(async () => {
    await service.close();
    await redisProxy.stop();
    await db.drop();
  });

  it('is ready when its database and Redis answer', async () => {
    const res = await request(service.url).get('/health/ready');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', checks: { database: 'up', redis: 'up' } });
  });

  it('when Redis is cut, ready answers 503 naming it while live stays 200', async () => {
    redisProxy.cut();
    const ready = await request(service.url).get('/health/ready');
    const live = await request(service.url).get('/health/live');
    redisProxy.restore();

    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      status: 'unavailable',
      checks: { database: 'up', redis: 'down' },
    });
    expect(live.status).toBe(200);
  });
});
