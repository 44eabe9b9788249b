// The floor of item 2 (`npx tsx bench/scenario.mjs floor`): what a forwarder costs that does only
// what every authenticated gateway request must do, built from the gateway's libraries and none of
// its code, step by step: the bare calibration forwarder; plus the one Redis round trip; plus a
// request id in an AsyncLocalStorage (ids in every log line); plus the pino access line. Each in
// its own process, in front of the small static JSON upstream, beside the full gateway in front of
// the same upstream, the same authenticated GET: 20 connections, one process at a time, rounds
// interleaved (the item's setting), or with BENCH_TOGETHER=1 all loaded at the same time with 4
// connections each. BENCH_FLOOR_UPSTREAM=service puts every step and the gateway in front of the
// stack's user-service instead: scenario 1's own setting, where the item's 200 µs is measured.
// Each step is reported as its CPU per request (from /proc), the median of the rounds, and in
// units of the bare forwarder of the same round.
/* eslint-disable security/detect-object-injection -- objects keyed by its own step names */
import { expectAllOk, load } from './load.mjs';
import { loadTogether, median } from './measure.mjs';
import { cpuMeter } from './probes.mjs';
import { startSubject } from './subject.mjs';

export const FLOOR_STEPS = [
  ['bare', 'bare forwarder (node:http + http-proxy-middleware 3)', null],
  ['redis', '+ one Redis round trip (ioredis, one script)', { redis: true }],
  [
    'context',
    '+ a request id in an AsyncLocalStorage',
    { redis: true, env: { BARE_CONTEXT: '1' } },
  ],
  [
    'log',
    '+ the access line (pino, 4 KiB batches)',
    { redis: true, env: { BARE_CONTEXT: '1', BARE_ACCESS_LOG: '1' } },
  ],
];

/** Where the floor's forwarders and gateway send the request: the static upstream, or user-service. */
function upstreamOf(stack, upstream) {
  if (upstream === 'service') {
    return {
      url: stack.users,
      gateway: { child: stack.processes.gateway, url: stack.gateway },
      bare: { child: stack.processes.bare, url: stack.bareForwarder },
    };
  }
  return {
    url: stack.staticUpstream,
    gateway: { child: stack.processes.gatewayStatic, url: stack.staticGateway },
    bare: { child: stack.processes.bareStatic, url: stack.staticBare },
  };
}

export async function edgeFloor({
  quick,
  log,
  together = process.env.BENCH_TOGETHER === '1',
  upstream = process.env.BENCH_FLOOR_UPSTREAM === 'service' ? 'service' : 'static',
}) {
  const rounds = quick ? 1 : 5;
  const seconds = quick ? 3 : 8;
  const { stack, token } = await startSubject({ label: 'floor' }, log);
  try {
    const setting = upstreamOf(stack, upstream);
    const targets = { gateway: setting.gateway.child };
    const urls = { gateway: setting.gateway.url };
    for (const [name, , options] of FLOOR_STEPS) {
      if (!options) {
        targets[name] = setting.bare.child;
        urls[name] = setting.bare.url;
        continue;
      }
      const step = await stack.startBareForwarder(`floor-${name}`, setting.url, options);
      targets[name] = step.child;
      urls[name] = step.url;
    }
    const names = [...FLOOR_STEPS.map(([name]) => name), 'gateway'];
    const us = Object.fromEntries(names.map((name) => [name, []]));
    const optionsOf = (name, connections) => ({
      url: urls[name],
      path: '/api/v1/users/me',
      headers: { authorization: `Bearer ${token}` },
      connections,
    });
    for (let round = 0; round < rounds; round += 1) {
      const warmUp = round === 0 && !quick ? 5 : 2;
      if (together) {
        // All at once, 4 connections each: each round's moment of the host falls on every step
        // alike, at a lower concurrency per process than the item's setting.
        const runs = await loadTogether(
          Object.fromEntries(names.map((name) => [name, targets[name].pid])),
          (name) => optionsOf(name, 4),
          { warmUp, seconds, label: 'floor' },
        );
        for (const name of names) us[name].push(runs[name].us);
      } else {
        // The item's setting: 20 connections, one process at a time, in alternating order.
        for (const name of round % 2 === 0 ? names : [...names].reverse()) {
          await load({ ...optionsOf(name, 20), duration: warmUp });
          const meter = cpuMeter({ step: () => [targets[name].pid] });
          const run = expectAllOk(
            `floor ${name}`,
            await load({ ...optionsOf(name, 20), duration: seconds }),
          );
          us[name].push((meter.stop().step * 1000) / run.total);
        }
      }
      log(
        `floor, round ${round + 1}: ${names.map((name) => `${name} ${us[name].at(-1).toFixed(0)}`).join(', ')} µs/request`,
      );
    }
    return {
      rounds,
      seconds,
      together,
      upstream,
      steps: names.map((name) => ({
        name,
        us: median(us[name]),
        // Each round's step over the same round's bare forwarder: the host's moment cancels.
        overBare: median(us[name].map((value, i) => value / (us.bare.at(i) ?? NaN))),
      })),
    };
  } finally {
    await stack.close();
  }
}
