// Scenario 2: what a login costs against what the hash alone costs, and what clients get at 2 ×
// cores, 8 and 32 concurrent clients through the full gateway (the only refusal allowed when the
// hash queue is full is a 503 with Retry-After).
import { availableParallelism } from 'node:os';

import argon2 from 'argon2';

import { FAST_ARGON2 } from '@secure-api/shared/testing';

import { load } from './load.mjs';
import { inRound, meterFor, perRequest } from './measure.mjs';
import { Stack } from './stack.mjs';
import { argon2Env, createUsers, PRODUCTION_ARGON2 } from './subject.mjs';

/** The ceiling: Argon2id verifications/s in this process, as many at once as auth-service runs. */
export async function argon2Throughput(
  params,
  { quick, concurrency = availableParallelism(), seconds = quick ? 4 : 10 },
) {
  // The default concurrency is auth-service's HASH_CONCURRENCY default (the core count).
  const options = { type: argon2.argon2id, ...params };
  const password = 'Raw-Argon2id-Bench-1!';
  const hash = await argon2.hash(password, options);
  await argon2.verify(hash, password);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        if (!(await argon2.verify(hash, password))) throw new Error('argon2 verify failed');
        done += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    concurrency,
    perSecond: done / elapsed,
    count: done,
    msEach: (elapsed * 1000) / done,
    cpuUsEach: (used.user + used.system) / done,
  };
}

export function loginRequest(stack, user) {
  return {
    url: stack.gateway,
    path: '/api/v1/auth/login',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: user.email, password: user.password }),
  };
}

/** Closed-loop logins through the gateway, 4 clients: CPU per login by process, latency. */
export async function loginCost(stack, user, seconds) {
  const request = { ...loginRequest(stack, user), connections: 4 };
  await load({ ...request, duration: 2 });
  const meter = meterFor(stack);
  const run = await load({ ...request, duration: seconds });
  if (run.non2xx > 0 || run.errors > 0) throw new Error(`logins: ${JSON.stringify(run.statuses)}`);
  return {
    ops: run.ok,
    perSecond: run.rps,
    p50: run.p50,
    p99: run.p99,
    cpu: perRequest(meter.stop(), run.ok),
  };
}

const fromEnv = (env) => ({
  timeCost: Number(env.ARGON2_TIME_COST),
  memoryCost: Number(env.ARGON2_MEMORY_COST),
  parallelism: Number(env.ARGON2_PARALLELISM),
});

/**
 * What a login costs besides its hash (`node bench/scenario.mjs logins`): the same logins with the
 * production Argon2id and with the smallest parameters auth-service accepts, each on its own stack,
 * CPU per login by process beside the raw hash's CPU with the same parameters (this process, as
 * many at once as auth-service hashes). With the small hash the rest of a login shows at its own
 * cost; with the production one, at what it costs while hashing fills the cores.
 */
export async function loginCostSplit({ quick, log }) {
  const seconds = quick ? 5 : 12;
  const measured = [];
  for (const [name, params] of [
    ['production', PRODUCTION_ARGON2],
    ['smallest', fromEnv(FAST_ARGON2)],
  ]) {
    const stack = new Stack({ label: `${name} Argon2id` });
    try {
      log(`logins with the ${name} Argon2id parameters`);
      await stack.startCore({ argon2: argon2Env(params) });
      const [user] = await createUsers(stack, 1);
      const logins = await loginCost(stack, user, seconds);
      const raw = await argon2Throughput(params, { quick });
      measured.push([name, { params, logins, raw }]);
    } finally {
      await stack.close();
    }
  }
  return Object.fromEntries(measured);
}

const headerOf = (headers, name) =>
  Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];

/**
 * One closed-loop login run. Every response is looked at: a 503 must carry Retry-After, and any
 * status other than 200 and 503 is counted as unexpected (the report flags it).
 */
async function loginRun(stack, user, connections, duration) {
  const request = loginRequest(stack, user);
  const seen = { bare503: 0 };
  const onResponse = (status, _body, _context, headers) => {
    if (status === 503 && !headerOf(headers, 'retry-after')) seen.bare503 += 1;
  };
  const run = await load({
    ...request,
    connections,
    duration,
    requests: [
      { method: request.method, headers: request.headers, body: request.body, onResponse },
    ],
  });
  const unexpected = Object.entries(run.statuses)
    .filter(([code]) => code !== '200' && code !== '503')
    .reduce((n, [, count]) => n + count, 0);
  return { ...run, bare503: seen.bare503, unexpected: unexpected + run.errors };
}

/**
 * `subjects`: [{ stack, user }]. For each concurrency, each subject in turn (warm-up, then the
 * measured run with the CPU of its processes); one result per subject, in order.
 */
export async function loginThroughput(subjects, { quick }) {
  const levels = [2 * availableParallelism(), 8, 32];
  const seconds = quick ? 5 : 12;
  const results = subjects.map(() => ({ levels: [] }));
  for (const [index, connections] of levels.entries()) {
    for (const subject of inRound(subjects, index)) {
      const { stack, user } = subject;
      await loginRun(stack, user, connections, 2);
      const meter = meterFor(stack);
      const run = await loginRun(stack, user, connections, seconds);
      const cpuPerLoginUs = perRequest(meter.stop(), Math.max(run.ok, 1));
      results[subjects.indexOf(subject)].levels.push({
        connections,
        perSecond: run.ok / run.durationSeconds,
        p50: run.p50,
        p99: run.p99,
        statuses: run.statuses,
        bare503: run.bare503,
        unexpected: run.unexpected,
        cpuPerLoginUs,
      });
    }
  }
  // The first level (the hash queue just kept non-empty) is scenario 2's efficiency figure.
  return results.map(({ levels: all }) => ({ ...all[0], levels: all }));
}
