import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type IRateLimiterOptions,
} from 'rate-limiter-flexible';

import type { Rate } from '@secure-api/shared/config';
import type { Counter } from '@secure-api/shared/lifecycle';
import type { Logger } from '@secure-api/shared/logging';
import type { Redis } from '@secure-api/shared/redis';

import type { RateLimitConfig } from '../config.js';
import type { RouteLimit } from '../domain/route-table.js';
import type { SecurityPolicyRepository } from './security-policy.repository.js';

export type LimitName = 'global' | RouteLimit | 'api-key';

export interface LimitDecision {
  allowed: boolean;
  /** Points per window of the limit that decided. */
  limit: number;
  remaining: number;
  msBeforeReset: number;
}

/** Notices when decisions come from memory: one warning per outage, a count per decision. */
class FallbackWatch {
  uses = 0;
  private degraded = false;

  constructor(
    private readonly counter: Counter<'limit'>,
    private readonly logger: Logger,
  ) {}

  memoryUsed(limit: LimitName): void {
    this.uses += 1;
    this.counter.inc({ limit });
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn('redis unreachable: rate limits enforced from memory, per replica');
  }

  redisAnswered(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.logger.info('rate limits back on redis');
  }
}

/** The in-memory limiter rate-limiter-flexible falls back to when Redis fails; it reports use. */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    options: IRateLimiterOptions,
    private readonly onUse: () => void,
  ) {
    super(options);
  }

  override consume(key: string | number, points?: number, options?: Record<string, unknown>) {
    this.onUse();
    return super.consume(key, points, options);
  }
}

interface Slot {
  rate: Rate;
  limiter: RateLimiterRedis;
}

export interface RateLimitsOptions {
  redis: Redis;
  config: RateLimitConfig;
  /** The login limit in force (runtime security policy, else LOGIN_RATE_LIMIT). */
  policy: SecurityPolicyRepository;
  fallbackCounter: Counter<'limit'>;
  logger: Logger;
}

/**
 * The gateway's limits, counted in Redis so every replica enforces one limit per client. Keys are
 * `<REDIS_KEY_PREFIX>rl:<limit>:<client>`. rate-limiter-flexible limiters have fixed points and
 * duration, so a limiter is rebuilt when its rate changes; the counters in Redis carry over.
 */
export class RateLimits {
  private readonly slots = new Map<LimitName, Slot>();
  private readonly watch: FallbackWatch;

  constructor(private readonly options: RateLimitsOptions) {
    this.watch = new FallbackWatch(options.fallbackCounter, options.logger);
  }

  async consume(name: LimitName, key: string): Promise<LimitDecision> {
    const { rate, limiter } = await this.slotFor(name);
    const fallbacksBefore = this.watch.uses;
    let result: RateLimiterRes;
    let allowed = true;
    try {
      result = await limiter.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      result = error;
      allowed = false;
    }
    // Conservative: only a decision during which no fallback happened at all proves Redis is back.
    if (this.watch.uses === fallbacksBefore) this.watch.redisAnswered();
    return {
      allowed,
      limit: rate.points,
      remaining: result.remainingPoints,
      msBeforeReset: result.msBeforeNext,
    };
  }

  private async rateOf(name: LimitName): Promise<Rate> {
    switch (name) {
      case 'global':
        return this.options.config.global;
      case 'register':
        return this.options.config.register;
      case 'refresh':
        return this.options.config.refresh;
      case 'api-key':
        return this.options.config.apiKey;
      case 'password-forgot':
        return this.options.config.passwordForgot;
      case 'account-link':
        return this.options.config.accountLink;
      case 'login':
      case 'login-2fa':
        return this.options.policy.currentLoginRate();
    }
  }

  private async slotFor(name: LimitName): Promise<Slot> {
    const rate = await this.rateOf(name);
    const slot = this.slots.get(name);
    if (slot?.rate.points === rate.points && slot.rate.durationSeconds === rate.durationSeconds) {
      return slot;
    }
    if (slot) {
      this.options.logger.info(
        { limit: name, points: rate.points, duration_seconds: rate.durationSeconds },
        'rate limit changed',
      );
    }
    const fresh = { rate, limiter: this.build(name, rate) };
    this.slots.set(name, fresh);
    return fresh;
  }

  private build(name: LimitName, rate: Rate): RateLimiterRedis {
    const options = {
      points: rate.points,
      duration: rate.durationSeconds,
      keyPrefix: `${this.options.config.redisKeyPrefix}rl:${name}`,
    };
    return new RateLimiterRedis({
      ...options,
      storeClient: this.options.redis,
      // Straight to memory while the connection is down instead of failing each command first.
      rejectIfRedisNotReady: true,
      insuranceLimiter: new InsuranceLimiter(options, () => {
        this.watch.memoryUsed(name);
      }),
    });
  }
}
