import type { Redis } from 'ioredis';

import { Problems } from '../http/app-error.js';
import type { AccessClaims } from './token-claims.js';

export type RevocationClaims = Pick<AccessClaims, 'sub' | 'jti' | 'iat' | 'sid'>;

export type RevocationResult = 'active' | 'revoked' | 'error';

/** Told of every check and what it found (revocation_checks_total). */
export interface RevocationChecks {
  inc(labels: { result: RevocationResult }): void;
}

const beforeKey = (userId: string) => `revoked-before:${userId}`;
const jtiKey = (jti: string) => `revoked-jti:${jti}`;
const sidKey = (sid: string) => `revoked-sid:${sid}`;

const UNAVAILABLE = 'A security dependency is unavailable, retry shortly';

// revoked-before outlives every access token that could predate it (max lifetime 60 min).
const USER_MARK_TTL_SECONDS = 24 * 3600;

// Sets the mark to max(ARGV[1], current + 1), atomically: a mark never moves back (replicas'
// clocks differ) and every revocation goes past the one before it.
const RAISE_MARK = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local mark = math.max(tonumber(ARGV[1]), current + 1)
redis.call('SET', KEYS[1], string.format('%d', mark), 'EX', tonumber(ARGV[2]))
return mark`;

/**
 * Instant revocation. Writers: logout, logout-all, password/role/status change, deletion,
 * refresh-token reuse. Readers: the gateway and every service that accepts a bearer (shared's
 * `authenticate`), for every request, in one round trip. Redis unreachable → 503: a security
 * decision never defaults to "allowed".
 */
export class RevocationStore {
  constructor(
    private readonly redis: Redis,
    private readonly checks?: RevocationChecks,
  ) {}

  /**
   * Every token of the user issued so far stops working: the mark goes to the next second, and
   * always past the current mark. A token issued after an earlier revocation carries that mark as
   * its `iat` (see earliestIssueTime); a second revocation in the same second, or one made again
   * after the change that made the first has committed, must end it too.
   */
  async revokeUser(userId: string): Promise<number> {
    const now = Math.floor(Date.now() / 1000) + 1;
    const mark = await this.guard(() =>
      this.redis.eval(RAISE_MARK, 1, beforeKey(userId), now, USER_MARK_TTL_SECONDS),
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

  async isRevoked(claims: RevocationClaims): Promise<boolean> {
    let values: (string | null)[];
    try {
      values = await this.guard(() => this.redis.mget(...RevocationStore.keysOf(claims)));
    } catch (error) {
      this.checks?.inc({ result: 'error' });
      throw error;
    }
    return this.judge(claims, values);
  }

  /** `verdict`, counted: for a caller that read the keys in its own round trip (the gateway). */
  judge(claims: RevocationClaims, values: readonly (string | null)[]): boolean {
    let revoked: boolean;
    try {
      revoked = RevocationStore.verdict(claims, values);
    } catch (error) {
      this.checks?.inc({ result: 'error' });
      throw error;
    }
    this.checks?.inc({ result: revoked ? 'revoked' : 'active' });
    return revoked;
  }

  /**
   * The keys `isRevoked` reads, in its order: a caller that already makes a round trip to Redis
   * (the gateway's rate limit) reads them in it and asks `verdict` instead.
   */
  static keysOf(claims: Pick<AccessClaims, 'sub' | 'jti' | 'sid'>): string[] {
    return [beforeKey(claims.sub), jtiKey(claims.jti), sidKey(claims.sid ?? '-')];
  }

  /** Whether the token is revoked, from the values of `keysOf(claims)` (null where absent). */
  static verdict(claims: RevocationClaims, values: readonly (string | null)[]): boolean {
    // Fewer values than keys is a caller's bug: never read a missing mark as "not revoked".
    if (values.length !== 3) throw Problems.unavailable(UNAVAILABLE);
    const [before = null, jti = null, sid = null] = values;
    if (jti !== null || sid !== null) return true;
    return before !== null && claims.iat < Number(before);
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch {
      throw Problems.unavailable(UNAVAILABLE);
    }
  }
}
