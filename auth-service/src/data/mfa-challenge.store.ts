import { createHash, randomBytes } from 'node:crypto';

import type { Redis } from '@secure-api/shared/redis';

import type { CodeLimits, MfaChallenges, Reservation } from '../domain/two-factor-ports.js';

const TTL_SECONDS = 5 * 60;

// One script, so that no two requests can both pass a limit between a read and a write, and so
// that a key is only ever incremented while it exists (HINCRBY on a vanished key would re-create
// it without a TTL). KEYS[1]: the account's failure counter; KEYS[2], when given: the challenge.
// ARGV: user id, per-account limit, window seconds, per-challenge limit.
const RESERVE = `
if #KEYS == 2 and redis.call('HGET', KEYS[2], 'user_id') ~= ARGV[1] then
  return {'expired', 0, 0}
end
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures >= tonumber(ARGV[2]) then
  return {'held', failures, redis.call('PTTL', KEYS[1])}
end
if #KEYS == 2 and redis.call('HINCRBY', KEYS[2], 'attempts', 1) > tonumber(ARGV[4]) then
  return {'exhausted', 0, 0}
end
failures = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return {'reserved', failures, redis.call('PTTL', KEYS[1])}
`;

// Gives a reservation back (the code was right) without re-creating an expired counter.
const RELEASE = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
`;

/**
 * The password step's proof for the second step: 5 minutes, single use, a few codes at most; and
 * the account's count of wrong codes, shared by every challenge and every bearer-side check. Only
 * a hash of the token is stored.
 */
export class MfaChallengeStore implements MfaChallenges {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  private key(token: string): string {
    return `${this.keyPrefix}mfa:${createHash('sha256').update(token).digest('hex')}`;
  }

  private failuresKey(userId: string): string {
    return `${this.keyPrefix}mfa-failures:${userId}`;
  }

  async create(userId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const key = this.key(token);
    await this.redis
      .multi()
      .hset(key, { user_id: userId, attempts: '0' })
      .expire(key, TTL_SECONDS)
      .exec();
    return token;
  }

  async userOf(token: string): Promise<string | undefined> {
    const userId = await this.redis.hget(this.key(token), 'user_id');
    return userId ?? undefined;
  }

  /**
   * Claims the right to check one code, before it is checked, counted as a failure until released.
   * Without a challenge: a bearer-side check, limited by the account's count only.
   */
  async reserve(userId: string, limits: CodeLimits, challenge?: string): Promise<Reservation> {
    const keys = [this.failuresKey(userId), ...(challenge ? [this.key(challenge)] : [])];
    const [kind, failures, windowMs] = (await this.redis.eval(
      RESERVE,
      keys.length,
      ...keys,
      userId,
      limits.perAccount,
      limits.accountWindowSeconds,
      limits.perChallenge,
    )) as [Reservation['kind'], number, number];
    return kind === 'reserved' ? { kind, failures, windowMs } : { kind };
  }

  /** The reserved code was right: it does not count against the account. */
  async release(userId: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.failuresKey(userId));
  }

  /** Single use: true only for the one request that removes it. */
  async consume(token: string): Promise<boolean> {
    return (await this.redis.del(this.key(token))) === 1;
  }
}
