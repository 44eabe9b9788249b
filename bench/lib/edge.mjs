// Scenario 1: the same authenticated read through four paths (full gateway, checks-off gateway,
// the bare calibration forwarder, user-service direct), interleaved; with two stacks, each path runs on both in turn.
/* eslint-disable security/detect-object-injection -- objects keyed by its own path and mode names */
import { expectAllOk, load } from './load.mjs';
import { inRound, mean, meanCpu, meterFor, perRequest } from './measure.mjs';

const summary = (list) => ({
  rps: mean(list.map((r) => r.rps)),
  p50: mean(list.map((r) => r.p50)),
  p99: mean(list.map((r) => r.p99)),
  requests: list.reduce((n, r) => n + r.total, 0),
});

/** `subjects`: [{ stack, token }]; returns one result per subject, in the same order. */
export async function edgeCost(subjects, { quick }) {
  const rounds = quick ? 1 : 2;
  const seconds = quick ? 3 : 10;
  const connections = 20;
  const paths = ['full', 'plain', 'bare', 'direct'];
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
        }[name];
        const options = {
          url,
          path: '/api/v1/users/me',
          headers: { authorization: `Bearer ${token}` },
          connections,
        };
        await load({ ...options, duration: 2 }); // warm-up (JIT, pools, keep-alive sockets)
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
  return state.map(({ runs, cpu }) => ({
    connections,
    seconds,
    rounds,
    full: summary(runs.full),
    plain: summary(runs.plain),
    bare: summary(runs.bare),
    direct: summary(runs.direct),
    cpuPerRequestUs: {
      full: meanCpu(cpu.full),
      plain: meanCpu(cpu.plain),
      bare: meanCpu(cpu.bare),
      direct: meanCpu(cpu.direct),
    },
  }));
}
