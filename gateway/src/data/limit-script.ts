import type { Redis } from '@secure-api/shared/redis';

/**
 * rate-limiter-flexible's fixed window (RateLimiterRedis: SET NX with the window, INCRBY, PTTL,
 * EXPIRE when the key lost its TTL), for several limits of one client in a row, followed by plain
 * reads: the gateway consumes the global and the route limit and reads the bearer's revocation
 * marks in ONE round trip. Like two consume() calls one after the other, a limit that refuses
 * ends the script: the next limit is not counted and nothing is read. Keys and counters are
 * rate-limiter-flexible's own (`<prefix>rl:<limit>:<client>`), so replicas of either version
 * share them.
 *
 * KEYS: one counter key per limit, then the keys to read.
 * ARGV: the number of limits, then points and window seconds per limit.
 * Returns consumed and milliseconds to reset per limit counted, then the values read (nil where
 * absent) when every limit allowed.
 */
const CONSUME_AND_READ = `
local limits = tonumber(ARGV[1])
local out = {}
for i = 1, limits do
  local points = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  redis.call('SET', KEYS[i], 0, 'EX', window, 'NX')
  local consumed = redis.call('INCRBY', KEYS[i], 1)
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl == -1 then
    redis.call('EXPIRE', KEYS[i], window)
    ttl = 1000 * window
  end
  out[#out + 1] = consumed
  out[#out + 1] = ttl
  if consumed > points then return out end
end
for i = limits + 1, #KEYS do
  out[#out + 1] = redis.call('GET', KEYS[i])
end
return out`;

export interface CountedLimit {
  key: string;
  points: number;
  durationSeconds: number;
}

export interface ScriptResult {
  /** Per limit counted, in order: stops after the first that refused. */
  counts: { consumed: number; msBeforeReset: number }[];
  /** The values of `reads`, or undefined when a limit refused (nothing was read). */
  values: (string | null)[] | undefined;
}

type ConsumeAndRead = (keyCount: number, ...args: (string | number)[]) => Promise<unknown[]>;

/** EVALSHA of the script (ioredis loads it on first use), as one command. */
export function consumeAndRead(redis: Redis) {
  if (!('gatewayConsumeAndRead' in redis)) {
    redis.defineCommand('gatewayConsumeAndRead', { lua: CONSUME_AND_READ });
  }
  const command = Reflect.get(redis, 'gatewayConsumeAndRead') as ConsumeAndRead;
  return async (
    limits: readonly CountedLimit[],
    reads: readonly string[],
  ): Promise<ScriptResult> => {
    const keys = [...limits.map((limit) => limit.key), ...reads];
    const args = limits.flatMap((limit) => [limit.points, limit.durationSeconds]);
    const reply = await command.call(redis, keys.length, ...keys, limits.length, ...args);
    const counts = [];
    for (let i = 0; i + 1 < Math.min(reply.length, 2 * limits.length); i += 2) {
      counts.push({ consumed: Number(reply.at(i)), msBeforeReset: Number(reply.at(i + 1)) });
    }
    const refused = counts.some((count, i) => count.consumed > (limits.at(i)?.points ?? 0));
    const values = refused
      ? undefined
      : reply.slice(2 * limits.length).map((value) => {
          if (value !== null && typeof value !== 'string') throw new Error('unexpected value');
          return value;
        });
    if (!refused && (counts.length !== limits.length || values?.length !== reads.length)) {
      throw new Error('unexpected script reply');
    }
    return { counts, values };
  };
}
