import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  calculateJwkThumbprint,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
} from 'jose';
import request from 'supertest';

import {
  loginAs,
  registerUser,
  startSystem,
  type LoggedIn,
  type System,
} from '../../support/system.js';

// A browser that stayed away past its access token's life sends the expired bearer with the
// cookie when the person clicks "log out". If that answered 401 and left the session alive, the
// refresh cookie would keep working on a shared computer after logout.
describe('attack: logging out with a stale bearer, to keep the session alive', () => {
  let system: System;
  let signer: { privateKey: CryptoKey; kid: string };

  beforeAll(async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const jwk = await exportJWK(privateKey);
    signer = {
      privateKey,
      kid: await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }),
    };
    system = await startSystem('attack_logout', {
      auth: { JWT_PRIVATE_KEYS: JSON.stringify([jwk]) },
    });
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);
  const logout = (bearer: string | undefined, cookie?: string) => {
    const req = api().post('/api/v1/auth/logout');
    if (bearer !== undefined) void req.set('Authorization', bearer);
    if (cookie !== undefined) void req.set('Cookie', cookie);
    return req;
  };
  const refresh = (cookie: string) => api().post('/api/v1/auth/refresh').set('Cookie', cookie);

  /** The same token auth-service issued, correctly signed, but expired a minute ago. */
  const expiredCopyOf = (token: string) => {
    const claims = decodeJwt(token);
    const past = Math.floor(Date.now() / 1000) - 60;
    return new SignJWT({ ...claims, iat: past - 900, exp: past })
      .setProtectedHeader({ alg: 'EdDSA', kid: signer.kid, typ: 'JWT' })
      .sign(signer.privateKey);
  };

  const expectSessionGone = async (session: LoggedIn) => {
    const res = await refresh(session.refreshCookie);
    expect(res.status).toBe(401);
    expect((res.body as { detail: string }).detail).toBe('Invalid or expired refresh token');
  };

  it('an expired bearer beside the refresh cookie: 204, and the cookie’s session is gone', async () => {
    const session = await loginAs(system.gateway, await registerUser(system.gateway));
    const expired = await expiredCopyOf(session.accessToken);

    const res = await logout(`Bearer ${expired}`, session.refreshCookie);

    expect(res.status).toBe(204);
    expect(res.headers['set-cookie']?.[0]).toMatch(/^refresh_token=;/);
    await expectSessionGone(session);
  });

  it('a revoked bearer beside the refresh cookie: 204, and the cookie’s session is gone', async () => {
    const user = await registerUser(system.gateway);
    const kept = await loginAs(system.gateway, user);
    const other = await loginAs(system.gateway, user);
    expect((await logout(`Bearer ${other.accessToken}`)).status).toBe(204);

    const res = await logout(`Bearer ${other.accessToken}`, kept.refreshCookie);

    expect(res.status).toBe(204);
    await expectSessionGone(kept);
  });

  it('a garbage bearer beside the refresh cookie: 204, and the cookie’s session is gone', async () => {
    const session = await loginAs(system.gateway, await registerUser(system.gateway));

    const res = await logout('Bearer not.a.token', session.refreshCookie);

    expect(res.status).toBe(204);
    await expectSessionGone(session);
  });

  it('an invalid bearer alone is still the generic 401', async () => {
    const session = await loginAs(system.gateway, await registerUser(system.gateway));

    for (const bearer of [`Bearer ${await expiredCopyOf(session.accessToken)}`, 'Bearer junk']) {
      const res = await logout(bearer);
      expect(res.status).toBe(401);
      expect((res.body as { detail: string }).detail).toBe('Invalid or expired token');
    }
    expect((await refresh(session.refreshCookie)).status).toBe(200);
  });

  it('a valid bearer and another user’s cookie end only what the bearer’s owner holds', async () => {
    const owner = await loginAs(system.gateway, await registerUser(system.gateway));
    const victim = await loginAs(system.gateway, await registerUser(system.gateway));

    const res = await logout(`Bearer ${owner.accessToken}`, victim.refreshCookie);

    expect(res.status).toBe(204);
    expect(
      (await api().get('/api/v1/users/me').set('Authorization', `Bearer ${owner.accessToken}`))
        .status,
    ).toBe(401);
    await expectSessionGone(owner);
    expect((await refresh(victim.refreshCookie)).status).toBe(200);
  });
});
