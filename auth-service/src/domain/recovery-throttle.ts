import type { RateLimiterRedis } from 'rate-limiter-flexible';

import type { Redis } from '@secure-api/shared/redis';

import { emailKey, isRes, limiter } from './guard-limiters.js';

export interface RecoveryRates {
  /** Reset links per address (counted for unknown addresses too), per hour. */
  resetRequestsPerEmailPerHour: number;
  /** Verification links a signed-in user may ask for again, per hour. */
  verificationResendsPerUserPerHour: number;
  /** Email changes a user may start (each mails a stranger's address), per hour. */
  emailChangesPerUserPerHour: number;
}

export const DEFAULT_RECOVERY_RATES: RecoveryRates = {
  resetRequestsPerEmailPerHour: 3,
  verificationResendsPerUserPerHour: 3,
  emailChangesPerUserPerHour: 3,
};

/**
 * How often one mailbox can be sent links, whatever address the requests come from (the gateway
 * counts per address). Keys carry a hash of the email, never the email.
 */
export class RecoveryThrottle {
  private readonly resetRequests: RateLimiterRedis;
  private readonly resends: RateLimiterRedis;
  private readonly emailChanges: RateLimiterRedis;

  constructor(redis: Redis, keyPrefix: string, rates: RecoveryRates = DEFAULT_RECOVERY_RATES) {
    this.resetRequests = limiter(redis, {
      keyPrefix: `${keyPrefix}:reset-request`,
      points: rates.resetRequestsPerEmailPerHour,
      duration: 3600,
    });
    this.resends = limiter(redis, {
      keyPrefix: `${keyPrefix}:verification-resend`,
      points: rates.verificationResendsPerUserPerHour,
      duration: 3600,
    });
    this.emailChanges = limiter(redis, {
      keyPrefix: `${keyPrefix}:email-change`,
      points: rates.emailChangesPerUserPerHour,
      duration: 3600,
    });
  }

  /** False once the address had its links for the hour: the request is dropped, silently. */
  async allowResetRequest(email: string): Promise<boolean> {
    return (await consume(this.resetRequests, emailKey(email))) === 0;
  }

  /** 0 when allowed, else the seconds until the next resend is. */
  async verificationResendWait(userId: string): Promise<number> {
    return consume(this.resends, userId);
  }

  /** 0 when allowed, else the seconds until the user may start another email change. */
  async emailChangeWait(userId: string): Promise<number> {
    return consume(this.emailChanges, userId);
  }
}

async function consume(limit: RateLimiterRedis, key: string): Promise<number> {
  try {
    await limit.consume(key);
    return 0;
  } catch (error) {
    if (isRes(error)) return Math.max(1, Math.ceil(error.msBeforeNext / 1000));
    throw error;
  }
}
