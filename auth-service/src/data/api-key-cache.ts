import { apiKeyCacheKeyForHash, type Redis } from '@secure-api/shared';

/** The gateway's short-lived cache of resolved keys: purged here so revocation is immediate. */
export class ApiKeyCache {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async purge(hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    await this.redis.del(...hashes.map((hash) => apiKeyCacheKeyForHash(this.keyPrefix, hash)));
  }
}
