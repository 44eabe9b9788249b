import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Permission, Role } from '@secure-api/shared/auth';

import { accessClaims, type TrustedJwks } from '../tokens.js';

export interface FakeKey {
  key: string;
  keyId: string;
  userId: string;
}

/**
 * auth-service as far as the gateway's X-API-Key path sees it: `/internal/api-keys/resolve` mints
 * a 60-second token (signed by a key the gateway trusts) for the keys it issued, 401 for anything
 * else. Every other request is answered 200 with `{upstream: 'auth'}`.
 */
type Issued = Map<string, { keyId: string; userId: string; token: string }>;

export class FakeApiKeys {
  private constructor(
    private readonly server: http.Server,
    private readonly keys: Issued,
    private readonly jwks: TrustedJwks,
    readonly url: string,
  ) {}

  static async start(jwks: TrustedJwks): Promise<FakeApiKeys> {
    const keys: Issued = new Map();
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.setHeader('Content-Type', 'application/json');
        if (req.method !== 'POST' || req.url !== '/internal/api-keys/resolve') {
          res.end(JSON.stringify({ upstream: 'auth' }));
          return;
        }
        const { key } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { key: string };
        const found = keys.get(key);
        if (!found) {
          res.statusCode = 401;
          res.end(JSON.stringify({ status: 401, detail: 'Invalid or expired API key' }));
          return;
        }
        res.end(
          JSON.stringify({
            access_token: found.token,
            expires_in: 60,
            key_id: found.keyId,
            user_id: found.userId,
            expires_at: null,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new FakeApiKeys(server, keys, jwks, `http://127.0.0.1:${port}`);
  }

  /** A key of a user with this role, limited to these scopes. */
  issue(role: Role, scope: Permission[]): FakeKey {
    const key = `sk_${randomBytes(4).toString('hex')}_${randomBytes(32).toString('base64url')}`;
    const keyId = randomUUID();
    const userId = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const token = this.jwks.sign(
      accessClaims({ sub: userId, role, scope, amr: ['apikey'], exp: now + 60 }),
    );
    this.keys.set(key, { keyId, userId, token });
    return { key, keyId, userId };
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
