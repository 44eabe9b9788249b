// `npm run bench`: builds, starts the whole system as child processes on loopback with throwaway
// databases, runs the six scenarios of issue 8 (bounded in time), prints one table and writes it
// into docs/performance.md. BENCH_QUICK=1 shortens every phase (a smoke run, not for the docs).
/* eslint-disable security/detect-non-literal-fs-filename -- its own temp directory */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Redis } from 'ioredis';

import {
  argon2Throughput,
  auditPipeline,
  edgeCost,
  isolation,
  loginThroughput,
} from './lib/scenarios.mjs';
import { verifierCost } from './lib/verifier-cost.mjs';
import { machineInfo, renderReport, writeReport } from './lib/report.mjs';
import {
  commandStats,
  compareProfiles,
  countingProxy,
  diffStats,
  summariseProfile,
} from './lib/probes.mjs';
import { load } from './lib/load.mjs';
import { ROOT, Stack, urls } from './lib/stack.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const PRODUCTION_ARGON2 = { timeCost: 3, memoryCost: 65536, parallelism: 4 };

const log = (line) => process.stderr.write(`bench: ${line}\n`);

function build() {
  log('building (tsc -b)');
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error('build failed');
}

async function json(url, init = {}) {
  const res = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...init.headers },
  });
  const body = await res.json().catch(() => undefined);
  return { status: res.status, body };
}

/** Accounts made straight at auth-service (the gateway's register limit is not the subject). */
async function createUsers(stack, n) {
  const users = [];
  for (let i = 0; i < n; i += 1) {
    const user = {
      username: `bench_${stack.id}_${i}`,
      email: `bench.${stack.id}.${i}@example.com`,
      password: `Tidal-Harbour-${stack.id}-${i}!`,
    };
    const res = await json(`${stack.auth}/api/v1/auth/register`, {
      method: 'POST',
      body: JSON.stringify(user),
    });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
    users.push({ ...user, id: res.body.id });
  }
  return users;
}

async function login(gateway, user) {
  const res = await json(`${gateway}/api/v1/auth/login`, {
    method: 'POST',
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token;
}

/** The three paths of scenario 1 answer the same user; the plain gateway really checks nothing. */
async function sanityCheck(stack, token, user) {
  for (const base of [stack.gateway, stack.plainGateway, stack.users]) {
    const res = await json(`${base}/api/v1/users/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 200 || res.body.id !== user.id) {
      throw new Error(`GET /users/me via ${base}: ${res.status}`);
    }
  }
  const full = await fetch(`${stack.gateway}/api/v1/users/me`);
  const plain = await fetch(`${stack.plainGateway}/api/v1/users/me`);
  // Both 401, but only the full gateway's comes with its rate-limit headers (it decided).
  if (full.status !== 401 || plain.status !== 401 || !full.headers.has('ratelimit-limit')) {
    throw new Error('scenario 1 gateways do not differ as described');
  }
  if (plain.headers.has('ratelimit-limit')) throw new Error('the plain gateway rate-limits');
}

/** Scenario 6 and the gateway profile: a third gateway whose Redis line is counted. */
async function redisTripsAndProfile(stack, token, redis) {
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

async function main() {
  const started = Date.now();
  const loadAverage = os.loadavg()[0]; // before our own build and services add to it
  build();
  const stack = new Stack();
  const redis = new Redis(urls.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    log('interrupted, cleaning up');
    void stack.close().finally(() => process.exit(130));
  });
  try {
    await redis.connect();
    log(`starting the system (logs in ${stack.logDir})`);
    await stack.startCore({
      argon2: {
        ARGON2_TIME_COST: String(PRODUCTION_ARGON2.timeCost),
        ARGON2_MEMORY_COST: String(PRODUCTION_ARGON2.memoryCost),
        ARGON2_PARALLELISM: String(PRODUCTION_ARGON2.parallelism),
      },
    });
    const plain = await stack.startPlainGateway();
    stack.plainGateway = plain.url;
    stack.processes.plain = plain.child;
    const users = await createUsers(stack, 2);
    const token = await login(stack.gateway, users[0]);
    await sanityCheck(stack, token, users[0]);

    const results = { quick: QUICK, machine: { ...(await machineInfo(redis)), loadAverage } };
    log('scenario 1: edge cost');
    results.edge = await edgeCost(stack, token, { quick: QUICK });
    log('scenario 6: Redis round trips, and a gateway CPU profile');
    Object.assign(results, await redisTripsAndProfile(stack, token, redis));
    log('token verification cost, cached and not');
    results.verifier = await verifierCost(stack.jwks, token, { quick: QUICK });
    log('scenario 2: logins/s vs raw Argon2id');
    results.argon2 = await argon2Throughput(PRODUCTION_ARGON2, { quick: QUICK });
    // For the analysis: one hash at a time (p=4 already uses every core for one hash).
    results.argon2Single = await argon2Throughput(PRODUCTION_ARGON2, {
      quick: QUICK,
      concurrency: 1,
      seconds: QUICK ? 3 : 6,
    });
    results.logins = await loginThroughput(stack, users[1], { quick: QUICK });
    log('scenarios 3 and 5: isolation under a login flood, peak RSS');
    results.isolation = await isolation(stack, token, users[1], { quick: QUICK });
    log('scenario 4: audit pipeline');
    results.audit = await auditPipeline(stack, { quick: QUICK });
    results.elapsedSeconds = (Date.now() - started) / 1000;

    // The raw numbers, to re-render or compare runs: `node bench/render.mjs <file>`.
    writeFileSync(path.join(stack.logDir, 'results.json'), JSON.stringify(results, null, 2));
    const report = renderReport(results);
    process.stdout.write(`${report.table}\n`);
    if (QUICK) log('BENCH_QUICK=1: docs/performance.md left unchanged');
    else log(`wrote ${await writeReport(report.markdown)}`);
    log(`raw results: ${path.join(stack.logDir, 'results.json')}`);
  } finally {
    if (!interrupted) {
      await stack.close();
      redis.disconnect();
    }
  }
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
