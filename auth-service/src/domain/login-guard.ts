import { createHash } from 'node:crypto';

import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';

import { Problems, rateLimitKey, type Redis } from '@secure-api/shared';

import type { PolicySource, SecurityPolicy } from './security-policy.js';

export interface LoginGuardSettings {
  /** Free consecutive failures per (email, IP) before that pair is delayed. */
  pairFreeFailures: number;
  /** Longest delay a pair can be made to wait, in seconds. */
  pairMaxDelaySeconds: number;
  /** Failed logins one IP may make in a day before it is blocked for the rest of it. */
  ipFailuresPerDay: number;
  keyPrefix: string;
}

export const DEFAULT_GUARD_SETTINGS: LoginGuardSettings = {
  pairFreeFailures: 3,
  pairMaxDelaySeconds: 15 * 60,
  ipFailuresPerDay: 100,
  keyPrefix: 'bf',
};

export type LoginVerdict = 'allowed' | 'locked';

const DAY_SECONDS = 24 * 3600;

// Emails never sit in Redis in clear: keys carry a hash.
const emailKey = (email: string) => createHash('sha256').update(email).digest('hex').slice(0, 32);

// An address is counted as the gateway counts it: IPv4 as is, IPv6 per /64 (one end site).
const pairKey = (email: string, ip: string) => `${emailKey(email)}:${rateLimitKey(ip)}`;

function isRes(value: unknown): value is RateLimiterRes {
  return typeof value === 'object' && value !== null && 'msBeforeNext' in value;
}

/** A Redis limiter with an in-memory twin that takes over while Redis is unreachable. */
function limiter(
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
 * Brute-force protection (DESIGN section 5), three independent counters:
 * - (email, IP): a few free failures, then that pair waits a doubling delay — never an account lock,
 *   so an attacker on one address cannot keep the owner out from another;
 * - IP per day: too many failures from one address block the address (429);
 * - account: `max_login_attempts` failures within the window lock the email for the lockout
 *   duration, from any address. Unknown emails are counted exactly like known ones.
 */
export class LoginGuard {
  /** Only ever blocked or cleared: its state says whether the pair must wait now. */
  private readonly pair: RateLimiterRedis;
  /** The pair's failures in the last day: how long its next wait is. */
  private readonly strikes: RateLimiterRedis;
  private readonly ip: RateLimiterRedis;
  private account: { limiter: RateLimiterRedis; signature: string } | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly policies: PolicySource,
    private readonly settings: LoginGuardSettings = DEFAULT_GUARD_SETTINGS,
  ) {
    const prefix = settings.keyPrefix;
    this.pair = limiter(redis, {
      keyPrefix: `${prefix}:pair`,
      points: settings.pairFreeFailures,
      duration: DAY_SECONDS,
    });
    this.strikes = limiter(redis, {
      keyPrefix: `${prefix}:strikes`,
      points: 1_000_000,
      duration: DAY_SECONDS,
    });
    this.ip = limiter(redis, {
      keyPrefix: `${prefix}:ip`,
      points: settings.ipFailuresPerDay,
      duration: DAY_SECONDS,
      blockDuration: DAY_SECONDS,
    });
  }

  /** Rebuilt when the policy changes: a limiter's points and durations are fixed. */
  private accountLimiter(policy: SecurityPolicy): RateLimiterRedis {
    const signature = `${policy.max_login_attempts}:${policy.lockout_window_minutes}:${policy.lockout_duration_minutes}`;
    if (this.account?.signature !== signature) {
      this.account = {
        signature,
        limiter: limiter(this.redis, {
          keyPrefix: `${this.settings.keyPrefix}:account`,
          // The limiter blocks once consumption exceeds `points`: the Nth failure is the one that locks.
          points: policy.max_login_attempts - 1,
          duration: policy.lockout_window_minutes * 60,
          blockDuration: policy.lockout_duration_minutes * 60,
        }),
      };
    }
    return this.account.limiter;
  }

  /** Before the password is looked at: 429 for a blocked IP; `locked` means answer the generic 401. */
  async check(email: string, ip: string): Promise<LoginVerdict> {
    const policy = await this.policies.current();
    const [ipState, pairState, accountState] = await Promise.all([
      this.ip.get(rateLimitKey(ip)),
      this.pair.get(pairKey(email, ip)),
      this.accountLimiter(policy).get(emailKey(email)),
    ]);
    if (ipState && ipState.consumedPoints >= this.settings.ipFailuresPerDay) {
      throw Problems.tooManyRequests(Math.max(Math.ceil(ipState.msBeforeNext / 1000), 1));
    }
    const pairBlocked = (pairState?.consumedPoints ?? 0) > this.settings.pairFreeFailures;
    const accountLocked = (accountState?.consumedPoints ?? 0) >= policy.max_login_attempts;
    return pairBlocked || accountLocked ? 'locked' : 'allowed';
  }

  /** Counts a failure everywhere; reports whether this very failure locked the account. */
  async recordFailure(email: string, ip: string): Promise<{ accountLocked: boolean }> {
    const policy = await this.policies.current();
    const pair = pairKey(email, ip);
    const [, strikes, account] = await Promise.allSettled([
      this.ip.consume(rateLimitKey(ip)),
      this.strikes.consume(pair),
      this.accountLimiter(policy).consume(emailKey(email)),
    ]);
    if (strikes.status === 'fulfilled') {
      const excess = strikes.value.consumedPoints - this.settings.pairFreeFailures;
      if (excess > 0) {
        // 1 s, 2 s, 4 s ... for each failure beyond the free ones, capped.
        const delay = Math.min(2 ** Math.min(excess - 1, 20), this.settings.pairMaxDelaySeconds);
        await this.pair.block(pair, delay);
      }
    }
    const accountLocked =
      account.status === 'rejected' &&
      isRes(account.reason) &&
      account.reason.consumedPoints === policy.max_login_attempts;
    return { accountLocked };
  }

  /** A successful login clears its own (email, IP) counters, not the account's. */
  async recordSuccess(email: string, ip: string): Promise<void> {
    const pair = pairKey(email, ip);
    await Promise.all([this.pair.delete(pair), this.strikes.delete(pair)]);
  }

  async unlock(email: string): Promise<void> {
    await this.accountLimiter(await this.policies.current()).delete(emailKey(email));
  }
}
