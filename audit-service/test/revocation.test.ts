import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { RevocationStore } from '@secure-api/shared/auth';
import { connectRedis, createRedis, type Redis } from '@secure-api/shared/redis';
import { captureLogger, eventually, TcpProxy, testUrls } from '@secure-api/shared/testing';

import { AuditHarness, type Instance } from './support/harness.js';

const AUDIT = '/api/v1/admin/audit?limit=1';

// audit-service is reachable without the gateway, so it must refuse what the gateway refuses:
// an admin token revoked since it was issued (logout, demotion, deactivation).
describe('audit-service called directly with a revoked bearer', () => {
  let h: AuditHarness;
  let redis: Redis;
  let revocations: RevocationStore;

  beforeAll(async () => {
    h = await AuditHarness.start('audit_revocation');
    redis = createRedis(testUrls.redis, captureLogger('test').logger);
    await connectRedis(redis);
    revocations = new RevocationStore(redis);
  });

  afterAll(async () => {
    redis.disconnect();
    await h.close();
  });

  const audit = (token: string, url = h.url) =>
    request(url).get(AUDIT).set('Authorization', `Bearer ${token}`);

  const expectRefused = (res: request.Response) => {
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((res.body as { detail: string }).detail).toBe('Invalid or expired token');
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(JSON.stringify(res.body)).not.toMatch(/revoked|redis|jti|sid|events/i);
  };

  it('refuses an admin token whose jti was revoked (logout), and only that token', async () => {
    const sub = randomUUID();
    const jti = randomUUID();
    const revoked = await h.issuer.accessToken({ sub, role: 'admin', jti });
    const other = await h.issuer.accessToken({ sub, role: 'admin' });

    await revocations.revokeToken(jti, Math.floor(Date.now() / 1000) + 900);

    expectRefused(await audit(revoked));
    expect((await audit(other)).status).toBe(200);
  });

  it('refuses every admin token of a revoked session (sid), and only that session', async () => {
    const sub = randomUUID();
    const [sid, otherSid] = [randomUUID(), randomUUID()];
    const revoked = await h.issuer.accessToken({ sub, role: 'admin', sid });
    const other = await h.issuer.accessToken({ sub, role: 'admin', sid: otherSid });

    await revocations.revokeSession(sid, 900);

    expectRefused(await audit(revoked));
    expect((await audit(other)).status).toBe(200);
  });

  it('refuses every admin token issued before the revoked-before mark (demotion, deactivation)', async () => {
    const sub = randomUUID();
    const token = await h.issuer.accessToken({ sub, role: 'admin' });

    await revocations.revokeUser(sub);

    expectRefused(await audit(token));
    expectRefused(
      await request(h.url)
        .get('/api/v1/admin/audit/verify')
        .set('Authorization', `Bearer ${token}`),
    );
  });

  describe('when Redis, which holds the revocation marks, is unreachable', () => {
    let redisLine: TcpProxy;
    let cut: Instance;

    beforeAll(async () => {
      redisLine = await TcpProxy.forUrl(testUrls.redis).start();
      cut = await h.startInstance({ redisUrl: redisLine.urlFor(testUrls.redis) });
    });

    afterAll(async () => {
      await h.stopInstance(cut);
      await redisLine.stop();
    });

    it('fails closed with 503 for a valid admin bearer, and recovers', async () => {
      const token = await h.token('admin');
      expect((await audit(token, cut.service.url)).status).toBe(200);

      redisLine.cut();
      const refused = await audit(token, cut.service.url);
      redisLine.restore();

      expect(refused.status).toBe(503);
      expect((refused.body as { detail: string }).detail).toBe(
        'A security dependency is unavailable, retry shortly',
      );
      expect(refused.headers['www-authenticate']).toBeUndefined();
      expect(
        await eventually(async () => (await audit(token, cut.service.url)).status === 200),
      ).toBe(true);
    });
  });
});
