import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

import type { Rate } from '@secure-api/shared/config';
import type { Counter } from '@secure-api/shared/lifecycle';
import type { Logger } from '@secure-api/shared/logging';
import type { Redis } from '@secure-api/shared/redis';

import type { RateLimitConfig } from '../config.js';
import type { RouteLimit } from '../domain/route-table.js';
import { consumeAndRead, type CountedLimit } from './limit-script.js';
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
  private degraded = false;

  constructor(
    private readonly counter: Counter<'limit'>,
    private readonly logger: Logger,
  ) {}

  memoryUsed(limit: LimitName): void {
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

interface Slot {
  name: LimitName;
  rate: Rate;
  /** Where the slot is counted while Redis is unreachable. */
  insurance: RateLimiterMemory;
}

export interface Admission {
  /** One per limit counted, in order; the last one decided (a refusal ends the list). */
  decisions: (LimitDecision & { name: LimitName })[];
  /** The values of the keys asked to be read, or undefined: refused, or counted from memory. */
  values: (string | null)[] | undefined;
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
 * `<REDIS_KEY_PREFIX>rl:<limit>:<client>`, counted by one script per request (limit-script.ts).
 * The in-memory fallback limiters have fixed points and duration, so a slot is rebuilt when its
 * rate changes (the login policy); the counters in Redis carry over.
 */
export class RateLimits {
  private readonly slots = new Map<LimitName, Slot>();
  private readonly watch: FallbackWatch;
  private readonly script: ReturnType<typeof consumeAndRead>;

  constructor(private readonly options: RateLimitsOptions) {
    this.watch = new FallbackWatch(options.fallbackCounter, options.logger);
    this.script = consumeAndRead(options.redis);
  }

  async consume(name: LimitName, key: string): Promise<LimitDecision> {
    const { decisions } = await this.admit([name], key);
    const [decision] = decisions;
    if (!decision) throw new Error('no decision');
    return decision;
  }

  /**
   * Counts the limits one after the other (a refusal ends the row: the next is not counted) and
   * reads `reads` in the same round trip when every limit allowed. Redis unreachable: the limits
   * are counted from memory (per replica) and nothing is read.
   */
  async admit(
    names: readonly LimitName[],
    key: string,
    reads: readonly string[] = [],
  ): Promise<Admission> {
    const slots = await Promise.all(names.map((name) => this.slotFor(name)));
    // Straight to memory while the connection is down instead of failing each command first.
    if (this.options.redis.status === 'ready') {
      const limits: CountedLimit[] = slots.map(({ name, rate }) => ({
        key: `${this.options.config.redisKeyPrefix}rl:${name}:${key}`,
        points: rate.points,
        durationSeconds: rate.durationSeconds,
      }));
      try {
        const { counts, values } = await this.script(limits, reads);
        this.watch.redisAnswered();
        const decisions = counts.map(({ consumed, msBeforeReset }, i) => {
          const { name, rate } = slots.at(i) ?? { name: 'global', rate: { points: 0 } };
          return {
            name,
            allowed: consumed <= rate.points,
            limit: rate.points,
            remaining: Math.max(rate.points - consumed, 0),
            msBeforeReset,
          };
        });
        return { decisions, values };
      } catch {
        // Counted from memory below, like rate-limiter-flexible's insurance limiter.
      }
    }
    return { decisions: await this.fromMemory(slots, key), values: undefined };
  }

  private async fromMemory(slots: Slot[], key: string): Promise<Admission['decisions']> {
    const decisions: Admission['decisions'] = [];
    for (const { name, rate, insurance } of slots) {
      this.watch.memoryUsed(name);
      let result: RateLimiterRes;
      let allowed = true;
      try {
        result = await insurance.consume(key);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        result = error;
        allowed = false;
      }
      decisions.push({
        name,
        allowed,
        limit: rate.points,
        remaining: result.remainingPoints,
        msBeforeReset: result.msBeforeNext,
      });
      if (!allowed) break;
    }
    return decisions;
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
    const fresh = { name, rate, insurance: this.insuranceFor(name, rate) };
    this.slots.set(name, fresh);
    return fresh;
  }

  private insuranceFor(name: LimitName, rate: Rate): RateLimiterMemory {
    return new RateLimiterMemory({
      points: rate.points,
      duration: rate.durationSeconds,
      keyPrefix: `${this.options.config.redisKeyPrefix}rl:${name}`,
    });
  }
}
