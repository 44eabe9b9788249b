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

import { startServer, type RunningUserService } from '../src/api/server.js';
import { readConfig } from '../src/config.js';

describe('user-service health', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let redisProxy: TcpProxy;
  let service: RunningUserService;

  beforeAll(async () => {
    db = await createTestDatabase('users_health');
    proxy = await TcpProxy.forUrl(db.url).start();
    redisProxy = await TcpProxy.forUrl(testUrls.redis).start();
    const config = readConfig({
      NODE_ENV: 'test',
      DATABASE_URL: proxy.urlFor(db.url),
      REDIS_URL: redisProxy.urlFor(testUrls.redis),
      USERS_PORT: '0',
    });
    service = await startServer(
      { ...config, autoMigrate: true },
      captureLogger('user-service').logger,
    );
  });

  afterAll(async () => {
    await service.close();
    await proxy.stop();
    await redisProxy.stop();
    await db.drop();
  });

  it('answers /health/live and /health/ready when its database and Redis are up', async () => {
    const live = await request(service.url).get('/health/live');
    const ready = await request(service.url).get('/health/ready');

    expect(live.status).toBe(200);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { database: 'up', redis: 'up' } });
  });

  it('when its database becomes unreachable, ready answers 503 while live stays 200, and recovers', async () => {
    proxy.cut();
    const ready = await request(service.url).get('/health/ready');
    const live = await request(service.url).get('/health/live');

    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      status: 'unavailable',
      checks: { database: 'down', redis: 'up' },
    });
    expect(live.status).toBe(200);

    proxy.restore();
    const recovered = await request(service.url).get('/health/ready');
    expect(recovered.status).toBe(200);
  });

  it('when Redis becomes unreachable, ready answers 503 naming it, and recovers', async () => {
    redisProxy.cut();
    const ready = await request(service.url).get('/health/ready');

    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      status: 'unavailable',
      checks: { database: 'up', redis: 'down' },
    });

    redisProxy.restore();
    const recovered = await eventually(
      async () => (await request(service.url).get('/health/ready')).status === 200,
    );
    expect(recovered).toBe(true);
  });

  it('serves prometheus metrics', async () => {
    const res = await request(service.url).get('/metrics');

    expect(res.status).toBe(200);
    expect(res.text).toContain('http_request_duration_seconds');
  });
});
