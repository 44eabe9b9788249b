import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

import { canonicalJson } from '@secure-api/shared/events';

/** "At `at`, the chain reached `seq`, whose hash was `hash`": the `id`-th such statement. */
export interface Checkpoint {
  id: number;
  seq: number;
  hash: string;
  at: string;
}

export interface SignedCheckpoint extends Checkpoint {
  kid: string;
  signature: string;
}

export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
}

export type SignatureVerdict = 'good' | 'unknown_key' | 'bad_signature';

// A fixed prefix, so these signatures can never be mistaken for anything else the key might sign.
const CONTEXT = 'secure-api audit checkpoint v1\n';

/** The bytes signed: the same in the service and in the offline checker. */
export function checkpointMessage(c: Checkpoint): Buffer {
  return Buffer.from(CONTEXT + canonicalJson({ id: c.id, seq: c.seq, hash: c.hash, at: c.at }));
}

/** RFC 7638 thumbprint: the key names itself, so a checkpoint says which key signed it. */
function thumbprint(x: string): string {
  const members = JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x });
  return createHash('sha256').update(members).digest('base64url');
}

export function publicJwkOf(key: KeyObject): PublicJwk {
  const { x } = createPublicKey(key).export({ format: 'jwk' });
  if (typeof x !== 'string') throw new Error('not an Ed25519 key');
  return { kty: 'OKP', crv: 'Ed25519', x, kid: thumbprint(x) };
}

/** Verifies checkpoints against public keys only: what a third party holds. */
export class CheckpointVerifier {
  private readonly keys = new Map<string, KeyObject>();

  constructor(publicJwks: readonly PublicJwk[]) {
    for (const jwk of publicJwks) {
      const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
      this.keys.set(thumbprint(jwk.x), key);
    }
  }

  verdict(c: SignedCheckpoint): SignatureVerdict {
    const key = this.keys.get(c.kid);
    if (!key) return 'unknown_key';
    const signature = Buffer.from(c.signature, 'base64url');
    return verify(null, checkpointMessage(c), key, signature) ? 'good' : 'bad_signature';
  }
}

/**
 * audit-service's checkpoint keys, oldest first: the last signs, all verify (rotation keeps old
 * checkpoints checkable). They come from configuration, never from the database they vouch for.
 */
export class CheckpointKeys extends CheckpointVerifier {
  readonly publicJwks: PublicJwk[];
  private readonly signing: { key: KeyObject; kid: string };

  constructor(privateKeys: readonly KeyObject[]) {
    const publicJwks = privateKeys.map(publicJwkOf);
    super(publicJwks);
    const last = privateKeys.at(-1);
    const lastJwk = publicJwks.at(-1);
    if (!last || !lastJwk) throw new Error('at least one checkpoint key is needed');
    this.publicJwks = publicJwks;
    this.signing = { key: last, kid: lastJwk.kid };
  }

  sign(c: Checkpoint): SignedCheckpoint {
    const signature = sign(null, checkpointMessage(c), this.signing.key).toString('base64url');
    return { ...c, kid: this.signing.kid, signature };
  }
}

/** AUDIT_SIGNING_KEYS: a JSON array of private Ed25519 JWKs; throws a readable line otherwise. */
export function parseCheckpointKeys(value: string): KeyObject[] {
  let jwks: unknown;
  try {
    jwks = JSON.parse(value);
  } catch {
    throw new Error('expected a JSON array of private Ed25519 JWKs');
  }
  if (!Array.isArray(jwks) || jwks.length === 0) {
    throw new Error('expected a non-empty JSON array of private Ed25519 JWKs');
  }
  return jwks.map((jwk: unknown) => {
    const { kty, crv, x, d } = (typeof jwk === 'object' && jwk !== null ? jwk : {}) as Record<
      string,
      unknown
    >;
    if (kty !== 'OKP' || crv !== 'Ed25519' || typeof x !== 'string' || typeof d !== 'string') {
      throw new Error('every key must be a private Ed25519 (OKP) JWK');
    }
    return createPrivateKey({ key: { kty, crv, x, d }, format: 'jwk' });
  });
}

// PKCS#8 prefix of an Ed25519 private key; the 32-byte seed follows.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Development and tests only (production refuses a missing AUDIT_SIGNING_KEYS): one fixed key,
 * derived from a seed written here, so replicas and restarts agree and dev checkpoints keep
 * verifying. Its private part is public by construction: it proves nothing.
 */
export function developmentCheckpointKey(): KeyObject {
  const seed = createHash('sha256').update('secure-api audit-service development key').digest();
  return createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
}
