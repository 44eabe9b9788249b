import {
  API_KEY_REVOKED_MARKER_SECONDS,
  apiKeyCacheKeyForHash,
  apiKeyRevokedKeyForHash,
  type Redis,
} from '@secure-api/shared';

/**
 * The gateway's short-lived cache of resolved keys. Called after the revocation is committed:
 * marks each key revoked and deletes its cache entry, in one transaction. The marker is what
 * makes revocation win a race with a request already resolving the key, whose cache write would
 * otherwise land after the delete (the gateway writes only where no marker is).
 */
export class ApiKeyCache {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async purge(hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    const batch = this.redis.multi();
    for (const hash of hashes) {
      batch.set(
        apiKeyRevokedKeyForHash(this.keyPrefix, hash),
        '1',
        'EX',
        API_KEY_REVOKED_MARKER_SECONDS,
      );
    }
    batch.del(...hashes.map((hash) => apiKeyCacheKeyForHash(this.keyPrefix, hash)));
    const results = await batch.exec();
    // exec() reports a failed command in its result rather than rejecting.
    const failed = results?.find(([error]) => error !== null);
    if (!results || failed) throw failed?.[0] ?? new Error('api key purge was not executed');
  }
}
