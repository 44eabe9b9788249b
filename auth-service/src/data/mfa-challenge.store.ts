import { createHash, randomBytes } from 'node:crypto';

import type { Redis } from '@secure-api/shared';

const TTL_SECONDS = 5 * 60;
export const MAX_MFA_ATTEMPTS = 5;

/**
 * The password step's proof for the second step (DESIGN section 6): 5 minutes, single use, dead
 * after 5 wrong codes. Only a hash of the token is stored.
 */
export class MfaChallengeStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  private key(token: string): string {
    return `${this.keyPrefix}mfa:${createHash('sha256').update(token).digest('hex')}`;
  }

  async create(userId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const key = this.key(token);
    await this.redis
      .multi()
      .hset(key, { user_id: userId, failures: '0' })
      .expire(key, TTL_SECONDS)
      .exec();
    return token;
  }

  async userOf(token: string): Promise<string | undefined> {
    const userId = await this.redis.hget(this.key(token), 'user_id');
    return userId ?? undefined;
  }

  /** A wrong code; the fifth kills the challenge. */
  async fail(token: string): Promise<void> {
    const key = this.key(token);
    const failures = await this.redis.hincrby(key, 'failures', 1);
    if (failures >= MAX_MFA_ATTEMPTS) await this.redis.del(key);
  }

  /** Single use: true only for the one request that removes it. */
  async consume(token: string): Promise<boolean> {
    return (await this.redis.del(this.key(token))) === 1;
  }
}
