import {
  API_KEY_REVOKED_MARKER_SECONDS,
  apiKeyCacheKeyForHash,
  apiKeyRevokedKeyForHash,
} from '@secure-api/shared/auth';
import type { Redis } from '@secure-api/shared/redis';

import type { ApiKeyCachePurge } from '../domain/api-key-ports.js';
import { AuthProblems } from '../domain/auth-problems.js';

/**
 * The gateway's short-lived cache of resolved keys. `purge` marks each key revoked and deletes its
 * cache entry, in one transaction. The gateway refuses a marked key and never caches one, so the
 * marker is what makes revocation win a race with a request already resolving the key. Callers
 * purge BEFORE they revoke in the database: from the marker on, the key is dead at the gateway
 * whatever happens next, and Redis being down stops the revocation before anything changed (503)
 * instead of leaving a revoked key cached.
 */
export class ApiKeyCache implements ApiKeyCachePurge {
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
    const results = await batch.exec().catch(() => null);
    // exec() reports a failed command in its result rather than rejecting.
    if (!results || results.some(([error]) => error !== null)) {
      throw AuthProblems.securityStoreUnavailable();
    }
  }
}
