// Scenario 6 and the gateway profile: a third gateway whose Redis line is counted, then a full
// and a checks-off gateway under the same load with V8's CPU profiler on.
/* eslint-disable security/detect-non-literal-fs-filename -- the stack's own temp directory */
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { load } from './load.mjs';
import {
  commandStats,
  compareProfiles,
  countingProxy,
  diffStats,
  summariseProfile,
} from './probes.mjs';
import { urls } from './stack.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const log = (line) => process.stderr.write(`bench: ${line}\n`);

export async function redisTripsAndProfile(stack, token, redis) {
  const redisUrl = new URL(urls.redis);
  const proxy = await countingProxy(Number(redisUrl.port || 6379), redisUrl.hostname);
  const profileDir = path.join(stack.logDir, 'profile');
  const probe = await stack.startGateway(
    'gateway-probe',
    { REDIS_URL: `redis://127.0.0.1:${proxy.port}` },
    ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  );
  const me = () =>
    fetch(`${probe.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${token}` } }).then(
      async (res) => {
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`probe GET /users/me: ${res.status}`);
      },
    );
  for (let i = 0; i < 20; i += 1) await me();
  const n = QUICK ? 50 : 200;
  proxy.reset();
  const before = await commandStats(redis);
  for (let i = 0; i < n; i += 1) await me();
  const after = await commandStats(redis);
  const writes = proxy.counts.writes;
  const commands = diffStats(before, after);
  delete commands.info; // our own INFO call
  const trips = {
    requests: n,
    roundTrips: writes / n,
    commands: Object.fromEntries(Object.entries(commands).map(([c, k]) => [c, k / n])),
  };

  log('profiling the full and the checks-off gateway under the same load');
  const plainDir = path.join(stack.logDir, 'profile-plain');
  mkdirSync(plainDir, { recursive: true });
  const plain = await stack.startPlainGateway('gateway-plain-probe', [
    '--cpu-prof',
    `--cpu-prof-dir=${plainDir}`,
  ]);
  const seconds = QUICK ? 3 : 8;
  const profiled = async (target, dir) => {
    const options = {
      url: target.url,
      path: '/api/v1/users/me',
      headers: { authorization: `Bearer ${token}` },
      connections: 20,
    };
    await load({ ...options, duration: 2 });
    const run = await load({ ...options, duration: seconds });
    await stack.stopChild(target.child);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    return file ? { run, profile: summariseProfile(path.join(dir, file), seconds) } : undefined;
  };
  const fullProfile = await profiled(probe, profileDir);
  await proxy.close();
  const plainProfile = await profiled(plain, plainDir);
  const profile =
    fullProfile && plainProfile
      ? compareProfiles(
          fullProfile.profile,
          fullProfile.run.total,
          plainProfile.profile,
          plainProfile.run.total,
        )
      : undefined;
  return { trips, profile };
}
