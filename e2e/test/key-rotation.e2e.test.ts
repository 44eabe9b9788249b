import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import request from 'supertest';

import { loginAs, registerUser, startSystem, type System } from '../support/system.js';

async function ed25519(): Promise<{ privateKey: CryptoKey; jwk: JWK; kid: string }> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  return {
    privateKey,
    jwk,
    kid: await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }),
  };
}

function tokenSignedBy(key: { privateKey: CryptoKey; kid: string }, sub: string, role = 'user') {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ type: 'access', role, amr: ['pwd'] })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
    .setIssuer('secure-api-auth')
    .setAudience('secure-api')
    .setSubject(sub)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(key.privateKey);
}

describe('signing key rotation (JWT_PRIVATE_KEYS, oldest first)', () => {
  let system: System;
  let previous: Awaited<ReturnType<typeof ed25519>>;
  let current: Awaited<ReturnType<typeof ed25519>>;

  beforeAll(async () => {
    previous = await ed25519();
    current = await ed25519();
    system = await startSystem('keys', {
      auth: { JWT_PRIVATE_KEYS: JSON.stringify([previous.jwk, current.jwk]) },
    });
  });

  afterAll(async () => {
    await system.close();
  });

  it('publishes both public keys, and only public material', async () => {
    const res = await request(system.gateway).get('/.well-known/jwks.json');
    const keys = (res.body as { keys: JWK[] }).keys;

    expect(res.status).toBe(200);
    expect(keys.map((k) => k.kid)).toEqual([previous.kid, current.kid]);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(key.d).toBeUndefined();
    }
  });

  it('signs new tokens with the newest key', async () => {
    const session = await loginAs(system.gateway, await registerUser(system.gateway));
    const header = JSON.parse(
      Buffer.from(session.accessToken.split('.')[0] ?? '', 'base64url').toString(),
    ) as { kid: string };

    expect(header.kid).toBe(current.kid);
  });

  it('still accepts a token signed by the previous key, at the gateway and in the service', async () => {
    const user = await registerUser(system.gateway);

    const res = await request(system.gateway)
      .get('/api/v1/users/me')
      .set('Authorization', `Bearer ${await tokenSignedBy(previous, user.id)}`);

    expect(res.status).toBe(200);
    expect((res.body as { id: string }).id).toBe(user.id);
  });

  it('refuses a well-formed token signed by a key that is not in the set', async () => {
    const user = await registerUser(system.gateway);
    const stranger = await ed25519();

    const res = await request(system.gateway)
      .get('/api/v1/users/me')
      .set('Authorization', `Bearer ${await tokenSignedBy(stranger, user.id)}`);

    expect(res.status).toBe(401);
    expect((res.body as { detail: string }).detail).toBe('Invalid or expired token');
  });
});
