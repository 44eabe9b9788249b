import { generateKeyPairSync } from 'node:crypto';

import { describe, expect, it } from '@jest/globals';

import { keysFromEnvironment } from '../src/data/signing-key.repository.js';

describe('JWT_PRIVATE_KEYS', () => {
  it('accepts PKCS#8 PEM blocks one after another, oldest first, each with its thumbprint kid', async () => {
    const pems = [0, 1].map(
      () =>
        generateKeyPairSync('ed25519').privateKey.export({
          type: 'pkcs8',
          format: 'pem',
        }) as string,
    );

    const keys = await keysFromEnvironment(pems.join('\n'));

    expect(keys).toHaveLength(2);
    expect(keys[0]?.kid).not.toBe(keys[1]?.kid);
    expect(keys[0]?.publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect(keys[0]?.publicJwk.d).toBeUndefined();
  });

  it('refuses a value with neither a JWK array nor a PEM key, and a non-Ed25519 JWK', async () => {
    await expect(keysFromEnvironment('not a key')).rejects.toThrow(
      'no JWK array or PEM private key found',
    );
    await expect(
      keysFromEnvironment(JSON.stringify([{ kty: 'RSA', n: 'x', e: 'AQAB' }])),
    ).rejects.toThrow('every key must be a private Ed25519 (OKP) JWK');
  });
});
