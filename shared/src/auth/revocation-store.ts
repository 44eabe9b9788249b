import type { Redis } from 'ioredis';

import { Problems } from '../http/app-error.js';
import type { AccessClaims } from './token-claims.js';

const beforeKey = (userId: string) => `revoked-before:${userId}`;
const jtiKey = (jti: string) => `revoked-jti:${jti}`;
const sidKey = (sid: string) => `revoked-sid:${sid}`;

// revoked-before outlives every access token that could predate it (max lifetime 60 min).
const USER_MARK_TTL_SECONDS = 24 * 3600;

// A token issued right after a revocation carries iat = the mark (earliestIssueTime), so a second
// revocation within the same second must move the mark past it, not write the same value again.
const RAISE_MARK = `
local mark = math.max(tonumber(ARGV[1]), tonumber(redis.call('GET', KEYS[1]) or '0') + 1)
redis.call('SET', KEYS[1], mark, 'EX', ARGV[2])
return mark
`;

/**
 * Instant revocation (DESIGN section 5). Writers: logout, logout-all, password/role/status
 * change, deletion, refresh-token reuse. Readers: the gateway, for every bearer request, in one
 * round trip. Redis unreachable → 503: a security decision never defaults to "allowed".
 */
export class RevocationStore {
  constructor(private readonly redis: Redis) {}

  /** Every token of the user issued so far (up to and including this second) stops working. */
  async revokeUser(userId: string): Promise<number> {
    const mark = await this.guard(() =>
      this.redis.eval(
        RAISE_MARK,
        1,
        beforeKey(userId),
        Math.floor(Date.now() / 1000) + 1,
        USER_MARK_TTL_SECONDS,
      ),
    );
    return Number(mark);
  }

  async revokeToken(jti: string, exp: number): Promise<void> {
    const ttl = Math.max(exp - Math.floor(Date.now() / 1000), 1);
    await this.guard(() => this.redis.set(jtiKey(jti), '1', 'EX', ttl));
  }

  /** Every access token minted for this refresh family (session) stops working. */
  async revokeSession(sid: string, ttlSeconds: number): Promise<void> {
    await this.guard(() => this.redis.set(sidKey(sid), '1', 'EX', Math.max(ttlSeconds, 1)));
  }

  /** Earliest `iat` a new token for this user may carry, so it survives a revocation this second. */
  async earliestIssueTime(userId: string): Promise<number> {
    const now = Math.floor(Date.now() / 1000);
    const mark = await this.guard(() => this.redis.get(beforeKey(userId)));
    return Math.max(now, Number(mark ?? 0));
  }

  async isRevoked(claims: Pick<AccessClaims, 'sub' | 'jti' | 'iat' | 'sid'>): Promise<boolean> {
    const [before, jti, sid] = await this.guard(() =>
      this.redis.mget(beforeKey(claims.sub), jtiKey(claims.jti), sidKey(claims.sid ?? '-')),
    );
    if (jti !== null || sid !== null) return true;
    return before !== null && claims.iat < Number(before);
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch {
      throw Problems.unavailable('A security dependency is unavailable, retry shortly');
    }
  }
}
