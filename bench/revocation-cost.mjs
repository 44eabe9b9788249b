// What one revocation check costs the process that makes it: `RevocationStore.isRevoked`, the one
// Redis MGET every service makes per authenticated request. Needs `npm run build` and local Redis.
import { randomUUID } from 'node:crypto';

import { RevocationStore } from '@secure-api/shared/auth';
import { createLogger } from '@secure-api/shared/logging';
import { connectRedis, createRedis } from '@secure-api/shared/redis';

const CALLS = 20_000;
const redis = createRedis(
  process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  createLogger({ service: 'bench', level: 'error' }),
);
await connectRedis(redis);
const store = new RevocationStore(redis);
const claims = {
  sub: randomUUID(),
  jti: randomUUID(),
  sid: randomUUID(),
  iat: Math.floor(Date.now() / 1000),
};

async function measure(inFlight) {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS / inFlight; i += 1) {
    await Promise.all(Array.from({ length: inFlight }, () => store.isRevoked(claims)));
  }
  const wallUs = Number(process.hrtime.bigint() - started) / 1e3;
  const used = process.cpuUsage(cpu);
  return {
    inFlight,
    wallUsPerCall: wallUs / CALLS,
    clientCpuUsPerCall: (used.user + used.system) / CALLS,
  };
}

await measure(1); // warm-up
for (const inFlight of [1, 20])
  process.stdout.write(`${JSON.stringify(await measure(inFlight))}\n`);
redis.disconnect();
