import { randomUUID } from 'node:crypto';

import { afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';

import {
  accessTokenVerifier,
  VerifiedClaimsCache,
  type AccessClaims,
  type VerifierOptions,
} from '@secure-api/shared/auth';
import { AppError } from '@secure-api/shared/http';

interface SigningKey {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' } };
}

function sign(
  key: SigningKey,
  { role = 'user', expiresIn = 900 }: { role?: string; expiresIn?: number } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role, type: 'access', amr: ['pwd'] })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.jwk.kid ?? '', typ: 'JWT' })
    .setIssuer('secure-api-auth')
    .setAudience('secure-api')
    .setSubject(randomUUID())
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn)
    .sign(key.privateKey);
}

/** The local key set, counting how often jose had to ask it (once per full verification). */
function countingKeys(jwks: JWK[]): { keys: JWTVerifyGetKey; lookups: () => number } {
  const local = createLocalJWKSet({ keys: jwks });
  let lookups = 0;
  return {
    keys: (header, token) => {
      lookups += 1;
      return local(header, token);
    },
    lookups: () => lookups,
  };
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    return error instanceof AppError ? error.status : 500;
  }
}

/** Replaces one character of a base64url segment with another valid one. */
function flipCharacter(segment: string, index: number): string {
  const c = segment.charAt(index);
  return segment.slice(0, index) + (c === 'A' ? 'B' : 'A') + segment.slice(index + 1);
}

describe('accessTokenVerifier with the verified-claims cache', () => {
  let key: SigningKey;
  let stranger: SigningKey;

  beforeAll(async () => {
    key = await signingKey('current');
    stranger = await signingKey('current'); // same kid, different key: a forger's best guess
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  const verifierWith = (options: VerifierOptions = {}) => {
    const counting = countingKeys([key.jwk]);
    return { verifier: accessTokenVerifier(counting.keys, options), lookups: counting.lookups };
  };

  it('verifies a token once and answers the same claims from the cache afterwards', async () => {
    const { verifier, lookups } = verifierWith();
    const token = await sign(key);

    const first = await verifier.verify(token);
    const second = await verifier.verify(token);

    expect(second).toEqual(first);
    expect(lookups()).toBe(1);
  });

  it('without the cache, verifies every time', async () => {
    const { verifier, lookups } = verifierWith({ cache: false });
    const token = await sign(key);

    await verifier.verify(token);
    await verifier.verify(token);

    expect(lookups()).toBe(2);
  });

  it('refuses a cached token once it has expired: the cache never outlives exp', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { verifier, lookups } = verifierWith();
    const token = await sign(key, { expiresIn: 60 });
    expect(await statusOf(verifier.verify(token))).toBe(200);

    jest.setSystemTime(Date.now() + 59_000);
    expect(await statusOf(verifier.verify(token))).toBe(200);
    expect(lookups()).toBe(1);

    // Past exp (and jose's 5 s tolerance): the entry is gone and the full check says no.
    jest.setSystemTime(Date.now() + 10_000);
    expect(await statusOf(verifier.verify(token))).toBe(401);
    expect(lookups()).toBe(2);
  });

  it('drops an entry after maxAgeMs even when the token lives longer, and verifies it afresh', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { verifier, lookups } = verifierWith({ cache: { maxAgeMs: 1000 } });
    const token = await sign(key);

    await verifier.verify(token);
    jest.setSystemTime(Date.now() + 1001);
    await verifier.verify(token);

    expect(lookups()).toBe(2);
  });

  it('holds at most maxEntries tokens, evicting the least recently used one', async () => {
    const { verifier, lookups } = verifierWith({ cache: { maxEntries: 2 } });
    const [a, b, c] = await Promise.all([sign(key), sign(key), sign(key)]);

    await verifier.verify(a);
    await verifier.verify(b);
    await verifier.verify(a); // a is now the most recently used
    await verifier.verify(c); // evicts b
    expect(lookups()).toBe(3);

    await verifier.verify(a);
    await verifier.verify(c);
    expect(lookups()).toBe(3);
    await verifier.verify(b);
    expect(lookups()).toBe(4);
  });

  it('never serves a forged variant of a cached token: altered claims, signature or signer all get 401', async () => {
    const { verifier } = verifierWith();
    const token = await sign(key, { role: 'viewer' });
    await verifier.verify(token);
    const [header = '', payload = '', signature = ''] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as object;
    const elevated = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString(
      'base64url',
    );
    const resigned = await new SignJWT(claims as Record<string, unknown>)
      .setProtectedHeader({ alg: 'EdDSA', kid: 'current', typ: 'JWT' })
      .sign(stranger.privateKey);

    expect(await statusOf(verifier.verify(`${header}.${elevated}.${signature}`))).toBe(401);
    expect(
      await statusOf(verifier.verify(`${header}.${payload}.${flipCharacter(signature, 5)}`)),
    ).toBe(401);
    expect(await statusOf(verifier.verify(resigned))).toBe(401);
    // The genuine token is still answered, with its own role.
    expect((await verifier.verify(token)).role).toBe('viewer');
  });

  it('never remembers a refusal as a success, nor an outage of the key set', async () => {
    let keysUp = false;
    const local = createLocalJWKSet({ keys: [key.jwk] });
    const verifier = accessTokenVerifier((header, token) => {
      if (!keysUp) throw new TypeError('fetch failed');
      return local(header, token);
    });
    const token = await sign(key);
    const forged = await sign(stranger);

    expect(await statusOf(verifier.verify(token))).toBe(503);
    keysUp = true;
    expect(await statusOf(verifier.verify(forged))).toBe(401);
    expect(await statusOf(verifier.verify(forged))).toBe(401);
    expect(await statusOf(verifier.verify(token))).toBe(200);
  });

  it('hands every caller its own copy of the claims', async () => {
    const { verifier } = verifierWith();
    const token = await sign(key);
    const first: AccessClaims = await verifier.verify(token);

    first.role = 'admin';
    first.amr.push('mfa');

    const again = await verifier.verify(token);
    expect(again.role).toBe('user');
    expect(again.amr).toEqual(['pwd']);
  });
});

describe('VerifiedClaimsCache', () => {
  it('keys by a digest of the whole token, so two tokens differing only in the signature never share an entry', () => {
    expect(VerifiedClaimsCache.keyOf('a.b.c')).not.toBe(VerifiedClaimsCache.keyOf('a.b.d'));
    expect(VerifiedClaimsCache.keyOf('a.b.c')).not.toContain('a.b.c');
  });

  it('does not store a token that is already expired', () => {
    const now = 1_000_000;
    const cache = new VerifiedClaimsCache<string>({ now: () => now });

    cache.set('k', 'claims', now / 1000);

    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
