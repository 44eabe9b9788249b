import { createHash } from 'node:crypto';

import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';

import { rateLimitKey } from '@secure-api/shared/http';
import type { Redis } from '@secure-api/shared/redis';

import type { SecurityPolicy } from './security-policy.js';

// Emails never sit in Redis in clear: keys carry a hash.
export const emailKey = (email: string) =>
  createHash('sha256').update(email).digest('hex').slice(0, 32);

// An address is counted as the gateway counts it: IPv4 as is, IPv6 per /64 (one end site).
export const pairKey = (email: string, ip: string) => `${emailKey(email)}:${rateLimitKey(ip)}`;

export function isRes(value: unknown): value is RateLimiterRes {
  return typeof value === 'object' && value !== null && 'msBeforeNext' in value;
}

/** A Redis limiter with an in-memory twin that takes over while Redis is unreachable. */
export function limiter(
  redis: Redis,
  options: { keyPrefix: string; points: number; duration: number; blockDuration?: number },
) {
  return new RateLimiterRedis({
    storeClient: redis,
    ...options,
    insuranceLimiter: new RateLimiterMemory(options),
  });
}

/**
 * The locks whose thresholds the admin policy sets — the account's and each device cookie's —
 * rebuilt when the policy changes, since a limiter's points and durations are fixed.
 */
export class PolicyLocks {
  private built:
    { signature: string; account: RateLimiterRedis; device: RateLimiterRedis } | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  for(policy: SecurityPolicy): { account: RateLimiterRedis; device: RateLimiterRedis } {
    const signature = `${policy.max_login_attempts}:${policy.lockout_window_minutes}:${policy.lockout_duration_minutes}`;
    if (this.built?.signature !== signature) {
      const lock = (name: string) =>
        limiter(this.redis, {
          keyPrefix: `${this.keyPrefix}:${name}`,
          // The limiter blocks once consumption exceeds `points`: the Nth failure is the one that locks.
          points: policy.max_login_attempts - 1,
          duration: policy.lockout_window_minutes * 60,
          blockDuration: policy.lockout_duration_minutes * 60,
        });
      this.built = { signature, account: lock('account'), device: lock('device') };
    }
    return this.built;
  }
}
