// Scale-out on one machine: the authenticated read through one gateway and one user-service,
// against two gateways each in front of its own user-service replica, the same 20 connections
// split evenly between them (10 + 10), measured in alternation. On 2 cores this shows the cost of
// more processes (correctness and overhead), not a speed-up.
/* eslint-disable security/detect-object-injection -- objects keyed by its own path and mode names */
import { expectAllOk, load } from './load.mjs';
import { inRound, mean, meanCpu, meterFor, perRequest } from './measure.mjs';

const CONNECTIONS = 20;

async function startReplicas(stack) {
  const users = await stack.startUserService('user-service-2');
  const gateway = await stack.startGateway('gateway-2', { USER_SERVICE_URL: users.url });
  return { users, gateway };
}

/** One measured run against `urls` at once, the connections split evenly; CPU of both pairs. */
async function measure(stack, token, urls, pids, seconds) {
  const options = (url, duration) => ({
    url,
    path: '/api/v1/users/me',
    headers: { authorization: `Bearer ${token}` },
    connections: CONNECTIONS / urls.length,
    duration,
  });
  await Promise.all(urls.map((url) => load(options(url, 2)))); // warm-up
  const meter = meterFor(stack, {
    gateway: () => pids.gateways,
    'user-service': () => pids.users,
  });
  const runs = await Promise.all(urls.map((url) => load(options(url, seconds))));
  runs.forEach((run, i) => expectAllOk(`${stack.label} scale-out ${i}`, run));
  const total = runs.reduce((n, r) => n + r.total, 0);
  return {
    rps: runs.reduce((n, r) => n + r.rps, 0),
    p99: Math.max(...runs.map((r) => r.p99)),
    // The two halves should be served alike; a large gap means one pair starved the other.
    split: runs.map((r) => r.rps),
    cpu: perRequest(meter.stop(), total),
  };
}

/** `subjects`: [{ stack, token }]; one result per subject: { one, two } (means over rounds). */
export async function scaleOut(subjects, { quick }) {
  const rounds = quick ? 1 : 2;
  const seconds = quick ? 3 : 10;
  const extra = await Promise.all(subjects.map(({ stack }) => startReplicas(stack)));
  const runs = subjects.map(() => ({ one: [], two: [] }));
  try {
    for (let round = 0; round < rounds; round += 1) {
      for (const mode of ['one', 'two']) {
        for (const subject of inRound(subjects, round)) {
          const i = subjects.indexOf(subject);
          const { stack, token } = subject;
          const { gateway, users } = stack.processes;
          const setup =
            mode === 'one'
              ? { urls: [stack.gateway], gateways: [gateway.pid], users: [users.pid] }
              : {
                  urls: [stack.gateway, extra[i].gateway.url],
                  gateways: [gateway.pid, extra[i].gateway.child.pid],
                  users: [users.pid, extra[i].users.child.pid],
                };
          runs[i][mode].push(await measure(stack, token, setup.urls, setup, seconds));
        }
      }
    }
  } finally {
    for (const [i, { stack }] of subjects.entries()) {
      await stack.stopChild(extra[i].gateway.child);
      await stack.stopChild(extra[i].users.child);
    }
  }
  const summary = (list) => ({
    rps: mean(list.map((r) => r.rps)),
    p99: mean(list.map((r) => r.p99)),
    split: list.at(-1).split,
    cpuPerRequestUs: meanCpu(list.map((r) => r.cpu)),
  });
  return runs.map(({ one, two }) => ({
    connections: CONNECTIONS,
    seconds,
    rounds,
    one: summary(one),
    two: summary(two),
  }));
}
