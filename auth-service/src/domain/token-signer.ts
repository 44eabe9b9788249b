import { randomUUID } from 'node:crypto';

import { SignJWT, type CryptoKey, type JWK } from 'jose';

import { ACCESS_AUDIENCE, TOKEN_ISSUER, type Permission, type Role } from '@secure-api/shared/auth';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  exp: number;
  expiresIn: number;
}

/**
 * EdDSA signing with a key ring: every key is published in the JWKS, the newest one signs, so a
 * rotation never invalidates tokens signed by the previous key.
 */
export class TokenSigner {
  private readonly newest: SigningKey;

  constructor(
    private readonly keys: SigningKey[],
    private readonly accessTtlSeconds: number,
  ) {
    const newest = keys.at(-1);
    if (!newest) throw new Error('no signing key');
    this.newest = newest;
  }

  get signingKid(): string {
    return this.newest.kid;
  }

  jwks(): { keys: JWK[] } {
    return {
      keys: this.keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: 'EdDSA', use: 'sig' })),
    };
  }

  async accessToken(input: {
    userId: string;
    role: Role;
    sessionId?: string;
    amr: string[];
    /** Not before a revocation mark of this user (see RevocationStore.earliestIssueTime). */
    issuedAt: number;
    ttlSeconds?: number;
    /** API-key tokens only: the permissions the key may use. */
    scope?: Permission[];
  }): Promise<IssuedAccessToken> {
    const jti = randomUUID();
    const expiresIn = input.ttlSeconds ?? this.accessTtlSeconds;
    const exp = input.issuedAt + expiresIn;
    const token = await new SignJWT({
      type: 'access',
      role: input.role,
      amr: input.amr,
      ...(input.sessionId ? { sid: input.sessionId } : {}),
      ...(input.scope ? { scope: input.scope } : {}),
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.newest.kid, typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(ACCESS_AUDIENCE)
      .setSubject(input.userId)
      .setJti(jti)
      .setIssuedAt(input.issuedAt)
      .setExpirationTime(exp)
      .sign(this.newest.privateKey);
    return { token, jti, exp, expiresIn: exp - Math.floor(Date.now() / 1000) };
  }

  /** 60-second token auth-service presents to another service's /internal routes. */
  async serviceToken(audience: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ type: 'service' })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.newest.kid, typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(audience)
      .setSubject('auth-service')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(this.newest.privateKey);
  }
}
