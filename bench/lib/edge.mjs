// Scenario 1: the same authenticated read through six paths (full gateway, checks-off gateway,
// the bare calibration forwarder, user-service direct; then a gateway and the bare forwarder in
// front of a small static JSON upstream), interleaved; with two stacks, each path runs on both in
// turn. Three rounds of 8 s, and every figure is the median of its rounds: on a shared 2-core
// virtual machine one round in four or five runs 20-40% off the others, and a mean of two rounds
// moved a verdict with it.
/* eslint-disable security/detect-object-injection -- objects keyed by its own path and mode names */
import { expectAllOk, load } from './load.mjs';
import { inRound, median, medianCpu, meterFor, perRequest } from './measure.mjs';

const summary = (list) => ({
  rps: median(list.map((r) => r.rps)),
  p50: median(list.map((r) => r.p50)),
  p99: median(list.map((r) => r.p99)),
  requests: list.reduce((n, r) => n + r.total, 0),
});

/** `subjects`: [{ stack, token }]; returns one result per subject, in the same order. */
export async function edgeCost(subjects, { quick }) {
  const rounds = quick ? 1 : 3;
  const seconds = quick ? 3 : 8;
  const connections = 20;
  const paths = ['full', 'plain', 'bare', 'direct', 'staticFull', 'staticBare'];
  const state = subjects.map(() => ({ runs: {}, cpu: {} }));
  for (let round = 0; round < rounds; round += 1) {
    for (const name of paths) {
      for (const subject of inRound(subjects, round)) {
        const { stack, token } = subject;
        const url = {
          full: stack.gateway,
          plain: stack.plainGateway,
          bare: stack.bareForwarder,
          direct: stack.users,
          staticFull: stack.staticGateway,
          staticBare: stack.staticBare,
        }[name];
        // A stack started without that path (`bench/scenario.mjs edge` starts no static upstream).
        if (!url) continue;
        const options = {
          url,
          path: '/api/v1/users/me',
          headers: { authorization: `Bearer ${token}` },
          connections,
        };
        // Warm-up (JIT, pools, keep-alive sockets): longer before a path's first round, when its
        // process has served nothing but the sanity check.
        await load({ ...options, duration: round === 0 && !quick ? 5 : 2 });
        const meter = meterFor(stack);
        const run = expectAllOk(
          `${stack.label} ${name}`,
          await load({ ...options, duration: seconds }),
        );
        const own = state[subjects.indexOf(subject)];
        (own.runs[name] ??= []).push(run);
        (own.cpu[name] ??= []).push(perRequest(meter.stop(), run.total));
      }
    }
  }
  // Each path's median figures, for the paths this stack ran.
  const ran = (byPath, reduce) =>
    Object.fromEntries(Object.entries(byPath).map(([name, list]) => [name, reduce(list)]));
  return state.map(({ runs, cpu }) => ({
    connections,
    seconds,
    rounds,
    ...ran(runs, summary),
    cpuPerRequestUs: ran(cpu, medianCpu),
  }));
}
