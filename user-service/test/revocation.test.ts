import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { RevocationStore } from '@secure-api/shared/auth';
import { captureLogger, eventually, TcpProxy, testUrls } from '@secure-api/shared/testing';

import type { RunningUserService } from '../src/api/server.js';
import { expectProblem, Harness, type Member } from './support/harness.js';

const UNAVAILABLE = 'A security dependency is unavailable, retry shortly';

// user-service is reachable without the gateway (inside the cluster, or through a mistake in
// front of it), so it must refuse what the gateway refuses: a token revoked since it was issued.
describe('user-service called directly with a revoked bearer', () => {
  let h: Harness;
  let admin: Member;
  let revocations: RevocationStore;

  beforeAll(async () => {
    h = await Harness.start('users_revocation');
    admin = await h.member('admin');
    revocations = new RevocationStore(h.redis);
  });

  afterAll(async () => {
    await h.close();
  });

  const getMe = (token: string) =>
    request(h.url).get('/api/v1/users/me').set('Authorization', `Bearer ${token}`);

  const expectRefused = (res: request.Response) => {
    expectProblem(res, 401, 'Invalid or expired token');
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(JSON.stringify(res.body)).not.toMatch(/revoked|redis|jti|sid/i);
  };

  it('refuses a token whose jti was revoked (logout), and only that token', async () => {
    const { user } = await h.member('user');
    const jti = randomUUID();
    const revoked = await h.issuer.accessToken({ sub: user.id, role: 'user', jti });
    const other = await h.issuer.accessToken({ sub: user.id, role: 'user' });

    await revocations.revokeToken(jti, Math.floor(Date.now() / 1000) + 900);

    expectRefused(await getMe(revoked));
    expect((await getMe(other)).status).toBe(200);
  });

  it('refuses every token of a revoked session (sid), and only that session', async () => {
    const { user } = await h.member('user');
    const [sid, otherSid] = [randomUUID(), randomUUID()];
    const revoked = await h.issuer.accessToken({ sub: user.id, role: 'user', sid });
    const other = await h.issuer.accessToken({ sub: user.id, role: 'user', sid: otherSid });

    await revocations.revokeSession(sid, 900);

    expectRefused(await getMe(revoked));
    expect((await getMe(other)).status).toBe(200);
  });

  it('refuses every token issued before the user’s revoked-before mark (role change, deactivation)', async () => {
    const member = await h.member('user');

    await revocations.revokeUser(member.user.id);

    expectRefused(await getMe(member.token));
  });

  it('refuses a deactivated admin’s old token promoting another account, and changes nothing', async () => {
    const deactivated = await h.member('admin');
    const { user: target } = await h.member('user');
    await revocations.revokeUser(deactivated.user.id);

    const res = await request(h.url)
      .patch(`/api/v1/users/${target.id}/role`)
      .set('Authorization', `Bearer ${deactivated.token}`)
      .send({ role: 'admin' });

    expectRefused(res);
    const stored = await request(h.url)
      .get(`/api/v1/users/${target.id}`)
      .set('Authorization', `Bearer ${admin.token}`);
    expect(stored.body).toEqual(target);
  });

  describe('when Redis, which holds the revocation marks, is unreachable', () => {
    let redisLine: TcpProxy;
    let cut: RunningUserService;

    beforeAll(async () => {
      redisLine = await TcpProxy.forUrl(testUrls.redis).start();
      cut = await Harness.startService(
        h.db.url,
        h.issuer.jwksUrl,
        h.auth.url,
        captureLogger('user-service'),
        redisLine.urlFor(testUrls.redis),
      );
    });

    afterAll(async () => {
      await cut.close();
      await redisLine.stop();
    });

    it('fails closed with 503 for a valid bearer, still 401 for a forged one, and recovers', async () => {
      const { token } = await h.member('user');
      const me = () =>
        request(cut.url).get('/api/v1/users/me').set('Authorization', `Bearer ${token}`);
      expect((await me()).status).toBe(200);

      redisLine.cut();
      const refused = await me();
      const forged = await request(cut.url)
        .get('/api/v1/users/me')
        .set('Authorization', `Bearer ${token.slice(0, -4)}AAAA`);
      redisLine.restore();

      expectProblem(refused, 503, UNAVAILABLE);
      expect(refused.headers['www-authenticate']).toBeUndefined();
      expectProblem(forged, 401, 'Invalid or expired token');
      expect(await eventually(async () => (await me()).status === 200)).toBe(true);
    });
  });
});
