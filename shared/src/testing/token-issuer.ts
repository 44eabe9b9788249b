import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

import { ACCESS_AUDIENCE, TOKEN_ISSUER, USER_SERVICE_AUDIENCE } from '../auth/token-claims.js';
import type { Role } from '../auth/rbac.js';

export interface TestAccessToken {
  sub?: string;
  role: Role;
  sid?: string;
  jti?: string;
  /** Seconds; negative for an already expired token. */
  expiresIn?: number;
  /** Epoch seconds; default now. auth-service never issues before a user's revocation mark. */
  issuedAt?: number;
}

/**
 * Stands in for auth-service's signing side in component tests of other services: a real Ed25519
 * key, a real JWKS over HTTP, real tokens. End-to-end tests use auth-service itself.
 */
export class TestTokenIssuer {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly server: http.Server,
    readonly kid: string,
    readonly jwksUrl: string,
  ) {}

  static async start(): Promise<TestTokenIssuer> {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const kid = randomUUID();
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
    const server = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new TestTokenIssuer(
      privateKey,
      server,
      kid,
      `http://127.0.0.1:${port}/.well-known/jwks.json`,
    );
  }

  async accessToken({
    sub = randomUUID(),
    role,
    sid,
    jti = randomUUID(),
    expiresIn = 900,
    issuedAt,
  }: TestAccessToken) {
    const now = issuedAt ?? Math.floor(Date.now() / 1000);
    return new SignJWT({ role, type: 'access', amr: ['pwd'], ...(sid ? { sid } : {}) })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.kid, typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(ACCESS_AUDIENCE)
      .setSubject(sub)
      .setJti(jti)
      .setIssuedAt(now)
      .setExpirationTime(now + expiresIn)
      .sign(this.privateKey);
  }

  async serviceToken(audience = USER_SERVICE_AUDIENCE) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ type: 'service' })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.kid, typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(audience)
      .setSubject('auth-service')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(this.privateKey);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }
}
