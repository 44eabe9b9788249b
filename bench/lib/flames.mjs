// Flame summaries: where the CPU of one authenticated read goes, in the gateway and in
// user-service, from V8's sampling profiler. Each stack gets a profiled gateway wired to a profiled
// user-service replica (same database, Redis and broker); the same closed-loop load runs through
// them, old and new interleaved, and each profile is reduced to µs of CPU per request by area and
// by function.
/* eslint-disable security/detect-non-literal-fs-filename, security/detect-object-injection -- the
   stack's own temp directory; objects keyed by its own side names (gateway, users) */
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { expectAllOk, load } from './load.mjs';
import { inRound } from './measure.mjs';
import { summariseProfile } from './probes.mjs';

const TOP = 12;

function perRequest(summary, requests) {
  const rank = (map) =>
    [...map].map(([name, us]) => ({ name, us: us / requests })).sort((a, b) => b.us - a.us);
  return {
    us: summary.busyUs / requests,
    areas: rank(summary.areas),
    functions: rank(summary.functions).slice(0, TOP),
  };
}

const profileIn = (dir, seconds) => {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no CPU profile written in ${dir}`);
  return summariseProfile(path.join(dir, file), seconds);
};

async function profiledPair(stack, run) {
  const dir = (name) => {
    const full = path.join(stack.logDir, `flame-${run}-${name}`);
    mkdirSync(full, { recursive: true });
    return full;
  };
  const dirs = { users: dir('users'), gateway: dir('gateway') };
  const users = await stack.startUserService(`user-service-flame-${run}`, [
    '--cpu-prof',
    `--cpu-prof-dir=${dirs.users}`,
  ]);
  const gateway = await stack.startGateway(
    `gateway-flame-${run}`,
    { USER_SERVICE_URL: users.url },
    ['--cpu-prof', `--cpu-prof-dir=${dirs.gateway}`],
  );
  return { users, gateway, dirs };
}

/** `subjects`: [{ stack, token }]; one result per subject: { gateway, users } per request. */
export async function flameSummaries(subjects, { quick }) {
  const seconds = quick ? 3 : 10;
  const rounds = quick ? 1 : 2;
  const results = subjects.map(() => []);
  for (let round = 0; round < rounds; round += 1) {
    for (const subject of inRound(subjects, round)) {
      const { stack, token } = subject;
      const pair = await profiledPair(stack, round);
      const options = {
        url: pair.gateway.url,
        path: '/api/v1/users/me',
        headers: { authorization: `Bearer ${token}` },
        connections: 20,
      };
      await load({ ...options, duration: 2 }); // JIT, pools and sockets warm
      const run = expectAllOk(
        `${stack.label} flame`,
        await load({ ...options, duration: seconds }),
      );
      // The profile is written on exit; only the last `seconds` (the measured load) count.
      await stack.stopChild(pair.gateway.child);
      await stack.stopChild(pair.users.child);
      results[subjects.indexOf(subject)].push({
        requests: run.total,
        gateway: profileIn(pair.dirs.gateway, seconds),
        users: profileIn(pair.dirs.users, seconds),
      });
    }
  }
  return results.map((runs) => {
    const requests = runs.reduce((n, r) => n + r.requests, 0);
    const merged = (key) => {
      const areas = new Map();
      const functions = new Map();
      let busyUs = 0;
      for (const r of runs) {
        busyUs += r[key].busyUs;
        for (const [k, v] of r[key].areas) areas.set(k, (areas.get(k) ?? 0) + v);
        for (const [k, v] of r[key].functions) functions.set(k, (functions.get(k) ?? 0) + v);
      }
      return perRequest({ busyUs, areas, functions }, requests);
    };
    return { requests, seconds, rounds, gateway: merged('gateway'), users: merged('users') };
  });
}
