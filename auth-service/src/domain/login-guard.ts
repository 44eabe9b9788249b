import type { RateLimiterRedis } from 'rate-limiter-flexible';

import { rateLimitKey } from '@secure-api/shared/http';
import type { Redis } from '@secure-api/shared/redis';

import { AuthProblems } from './auth-problems.js';
import { emailKey, isRes, limiter, pairKey, PolicyLocks } from './guard-limiters.js';
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

/** One password attempt: a login, or a signed-in user confirming their password. */
export interface PasswordAttempt {
  email: string;
  /** Undefined when the client's address is unknown (user-service asking on a user's behalf). */
  ip: string | undefined;
  /** The id of a recognised device cookie: its own counter replaces the pair and the account's. */
  device?: string | undefined;
}

const DAY_SECONDS = 24 * 3600;

/**
 * Brute-force protection, four independent counters:
 * - (email, IP): a few free failures, then that pair waits a doubling delay — never an account lock,
 *   so an attacker on one address cannot keep the owner out from another;
 * - IP per day: too many failures from one address block the address (429), for everyone;
 * - account: `max_login_attempts` failures within the window lock the email for the lockout
 *   duration, from any address. Unknown emails are counted exactly like known ones;
 * - device cookie: a browser that proves an earlier login to the account counts only against its
 *   own cookie, with the account's thresholds. So an attacker can lock out strangers, never the
 *   owner's known browser.
 */
export class LoginGuard {
  /** Only ever blocked or cleared: its state says whether the pair must wait now. */
  private readonly pair: RateLimiterRedis;
  /** The pair's failures in the last day: how long its next wait is. */
  private readonly strikes: RateLimiterRedis;
  private readonly ip: RateLimiterRedis;
  private readonly locks: PolicyLocks;

  constructor(
    redis: Redis,
    private readonly policies: PolicySource,
    private readonly settings: LoginGuardSettings = DEFAULT_GUARD_SETTINGS,
  ) {
    const prefix = settings.keyPrefix;
    this.locks = new PolicyLocks(redis, prefix);
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

  /** The one lock this attempt answers to: its device cookie's, or the account's. */
  private lockOf(policy: SecurityPolicy, attempt: PasswordAttempt): [RateLimiterRedis, string] {
    const { account, device } = this.locks.for(policy);
    return attempt.device ? [device, attempt.device] : [account, emailKey(attempt.email)];
  }

  /** Before the password is looked at: 429 for a blocked IP; `locked` means answer as if wrong. */
  async check(attempt: PasswordAttempt): Promise<LoginVerdict> {
    const policy = await this.policies.current();
    const { ip, device, email } = attempt;
    const [lock, lockKey] = this.lockOf(policy, attempt);
    const [ipState, pairState, lockState] = await Promise.all([
      ip === undefined ? null : this.ip.get(rateLimitKey(ip)),
      ip === undefined || device ? null : this.pair.get(pairKey(email, ip)),
      lock.get(lockKey),
    ]);
    if (ipState && ipState.consumedPoints >= this.settings.ipFailuresPerDay) {
      throw AuthProblems.addressBlocked(Math.max(Math.ceil(ipState.msBeforeNext / 1000), 1));
    }
    const pairBlocked = (pairState?.consumedPoints ?? 0) > this.settings.pairFreeFailures;
    const locked = (lockState?.consumedPoints ?? 0) >= policy.max_login_attempts;
    return pairBlocked || locked ? 'locked' : 'allowed';
  }

  /** Counts a failure where it belongs; reports whether this very failure locked the account. */
  async recordFailure(attempt: PasswordAttempt): Promise<{ accountLocked: boolean }> {
    const policy = await this.policies.current();
    const { ip, device, email } = attempt;
    const [lock, lockKey] = this.lockOf(policy, attempt);
    const pair = ip === undefined || device ? undefined : pairKey(email, ip);
    const [, strikes, locked] = await Promise.allSettled([
      ip === undefined ? undefined : this.ip.consume(rateLimitKey(ip)),
      pair === undefined ? undefined : this.strikes.consume(pair),
      lock.consume(lockKey),
    ]);
    if (pair !== undefined && strikes.status === 'fulfilled' && strikes.value) {
      const excess = strikes.value.consumedPoints - this.settings.pairFreeFailures;
      if (excess > 0) {
        // 1 s, 2 s, 4 s ... for each failure beyond the free ones, capped.
        const delay = Math.min(2 ** Math.min(excess - 1, 20), this.settings.pairMaxDelaySeconds);
        await this.pair.block(pair, delay);
      }
    }
    const justLocked =
      locked.status === 'rejected' &&
      isRes(locked.reason) &&
      locked.reason.consumedPoints === policy.max_login_attempts;
    return { accountLocked: !device && justLocked };
  }

  /** Success clears the pair's counters and the device's own, never the account's. */
  async recordSuccess(attempt: PasswordAttempt): Promise<void> {
    const { ip, device, email } = attempt;
    const pair = ip === undefined ? undefined : pairKey(email, ip);
    await Promise.all([
      pair === undefined ? undefined : this.pair.delete(pair),
      pair === undefined ? undefined : this.strikes.delete(pair),
      device ? this.locks.for(await this.policies.current()).device.delete(device) : undefined,
    ]);
  }

  async unlock(email: string): Promise<void> {
    await this.locks.for(await this.policies.current()).account.delete(emailKey(email));
  }
}
