import { z } from 'zod';

import { API_KEY_PATTERN, apiKeyCacheKey, apiKeyRevokedKey } from '@secure-api/shared/auth';
import { AppError, callService, Problems, type ServiceTarget } from '@secure-api/shared/http';
import type { Redis } from '@secure-api/shared/redis';

export const KEY_REFUSED = 'Invalid or expired API key';
// Without Redis or auth-service the gateway cannot tell a good key from a bad one: it fails closed.
const UNAVAILABLE = 'A security dependency is unavailable, retry shortly';

/** The same 401 as any refused key; the type only tells the gateway's own event why. */
export class RevokedApiKey extends AppError {
  constructor() {
    const refusal = Problems.unauthorized(KEY_REFUSED);
    super(refusal.status, refusal.code, refusal.detail, { headers: refusal.headers });
  }
}

// KEYS[1]: the key's revoked marker, KEYS[2]: its cache entry; ARGV: the entry and its TTL.
// Checking the marker and writing in one step is what lets a revocation that lands while the
// key is being resolved win: auth-service sets the marker before deleting the entry, so either
// this write comes first and is deleted, or it sees the marker and does not happen.
const CACHE_UNLESS_REVOKED = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2]) end
return 1`;

const resolvedSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  key_id: z.uuid(),
  user_id: z.uuid(),
  /** The key's own expiry (for a rotated-out key: the end of its grace period). */
  expires_at: z.iso.datetime({ offset: true }).nullable(),
});

export interface ResolvedKey {
  accessToken: string;
  keyId: string;
  userId: string;
  /** Epoch ms after which this resolution must not be used (token or key expiry, sooner). */
  expiresAt: number;
}

const cachedSchema = z.object({
  accessToken: z.string(),
  keyId: z.uuid(),
  userId: z.uuid(),
  expiresAt: z.number(),
});

export interface ApiKeyResolverOptions {
  redis: Redis;
  authServiceUrl: string;
  keyPrefix: string;
  /** At most this long in the cache; auth-service purges and marks a key when it is revoked. */
  cacheSeconds: number;
  /** How long auth-service may take to resolve a key (the gateway's upstream timeout). */
  timeoutMs: number;
}

/**
 * X-API-Key → a 60-second access token minted by auth-service for the key's owner, cached in Redis
 * briefly (so most keyed requests cost one MGET of the entry and the revoked marker). Malformed
 * keys never leave the gateway; a key marked revoked is refused without asking auth-service.
 */
export class ApiKeyResolver {
  private readonly authService: ServiceTarget;

  constructor(private readonly options: ApiKeyResolverOptions) {
    this.authService = {
      name: 'auth-service',
      baseUrl: options.authServiceUrl,
      timeoutMs: options.timeoutMs,
      failClosed: { detail: UNAVAILABLE },
    };
  }

  async resolve(key: string, { fresh = false } = {}): Promise<ResolvedKey> {
    if (!API_KEY_PATTERN.test(key)) throw Problems.unauthorized(KEY_REFUSED);
    const cacheKey = apiKeyCacheKey(this.options.keyPrefix, key);
    const revokedKey = apiKeyRevokedKey(this.options.keyPrefix, key);
    const [entry, revoked] = await this.guard(() => this.options.redis.mget(cacheKey, revokedKey));
    if (revoked !== null && revoked !== undefined) throw new RevokedApiKey();
    if (!fresh) {
      const cached = cachedSchema.safeParse(JSON.parse(entry ?? 'null'));
      if (cached.success && cached.data.expiresAt > Date.now()) return cached.data;
    }
    const resolved = await this.ask(key);
    const ttl = Math.min(
      this.options.cacheSeconds,
      Math.floor((resolved.expiresAt - Date.now()) / 1000),
    );
    // Run even when nothing is cached (ttl <= 0): a key revoked while it was being resolved is
    // refused for this request too.
    const written = await this.guard(() =>
      this.options.redis.eval(
        CACHE_UNLESS_REVOKED,
        2,
        revokedKey,
        cacheKey,
        JSON.stringify(resolved),
        String(Math.max(ttl, 0)),
      ),
    );
    if (written !== 1) throw new RevokedApiKey();
    return resolved;
  }

  private async ask(key: string): Promise<ResolvedKey> {
    const answer = await callService(this.authService, {
      method: 'POST',
      path: '/internal/api-keys/resolve',
      json: { key },
      expect: { 200: resolvedSchema, 401: null, 422: null },
    });
    if (answer.status !== 200) throw Problems.unauthorized(KEY_REFUSED);
    const { body } = answer;
    // Five seconds of margin on the token, none on the key: a retired key stops on time.
    const tokenUsableUntil = Date.now() + (body.expires_in - 5) * 1000;
    const keyExpiry = body.expires_at ? Date.parse(body.expires_at) : Infinity;
    return {
      accessToken: body.access_token,
      keyId: body.key_id,
      userId: body.user_id,
      expiresAt: Math.min(tokenUsableUntil, keyExpiry),
    };
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch {
      throw Problems.unavailable(UNAVAILABLE);
    }
  }
}
