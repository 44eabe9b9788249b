import {
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { ACCESS_AUDIENCE, TOKEN_ISSUER } from '@secure-api/shared/auth';
import type { TestTokenIssuer } from '@secure-api/shared/testing';

type Claims = Record<string, unknown>;

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The claims of a well-formed admin access token; a test overrides one of them to break it. */
export function accessClaims(overrides: Claims = {}): Claims {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: TOKEN_ISSUER,
    aud: ACCESS_AUDIENCE,
    sub: randomUUID(),
    type: 'access',
    role: 'admin',
    jti: randomUUID(),
    iat: now,
    exp: now + 900,
    amr: ['pwd'],
    ...overrides,
  };
}

/** `alg: none`: a header, the claims and an (empty unless given) signature. */
export function unsignedToken(claims: Claims, signature = ''): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.${signature}`;
}

/** HS256 keyed with public material: the classic algorithm-confusion forgery. */
export function hmacToken(claims: Claims, kid: string, secret: string | Buffer): string {
  const input = `${b64url({ alg: 'HS256', typ: 'JWT', kid })}.${b64url(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The issuer's published Ed25519 key: as its JWK `x` value and as an SPKI PEM. */
export async function publicKeyMaterial(
  issuer: TestTokenIssuer,
): Promise<{ x: string; pem: string }> {
  const res = await fetch(issuer.jwksUrl);
  const { keys } = (await res.json()) as { keys: (JsonWebKey & { x: string })[] };
  const jwk = keys[0]!;
  const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  return { x: jwk.x, pem: pem.toString() };
}

/**
 * A JWKS publishing the TestTokenIssuer's key next to one of its own (as during a key rotation),
 * so tests can sign, with a key the gateway trusts, claims TestTokenIssuer never mints: a wrong
 * issuer, audience, type or subject.
 */
export class TrustedJwks {
  private constructor(
    private readonly server: http.Server,
    private readonly privateKey: KeyObject,
    readonly kid: string,
    readonly url: string,
  ) {}

  static async start(issuer: TestTokenIssuer): Promise<TrustedJwks> {
    const { keys: issuerKeys } = (await (await fetch(issuer.jwksUrl)).json()) as {
      keys: JsonWebKey[];
    };
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const kid = randomUUID();
    const own = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' };
    const body = JSON.stringify({ keys: [...issuerKeys, own] });
    const server = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new TrustedJwks(
      server,
      privateKey,
      kid,
      `http://127.0.0.1:${port}/.well-known/jwks.json`,
    );
  }

  /** A genuine EdDSA signature over whatever claims the test chooses. */
  sign(claims: Claims): string {
    const input = `${b64url({ alg: 'EdDSA', typ: 'JWT', kid: this.kid })}.${b64url(claims)}`;
    return `${input}.${sign(null, Buffer.from(input), this.privateKey).toString('base64url')}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}
