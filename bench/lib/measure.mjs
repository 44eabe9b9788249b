// What every scenario measures the same way: whose CPU, per request, and the order of runs when
// two stacks are compared.
/* eslint-disable security/detect-object-injection -- objects keyed by its own process names */
import { expectAllOk, load } from './load.mjs';
import { cpuMeter, pidsNamed } from './probes.mjs';

/** Who used the CPU: one stack's services, the datastores and this process (autocannon). */
export function processGroups(stack) {
  const own = (name) => () => (stack.processes[name] ? [stack.processes[name].pid] : []);
  return {
    gateway: own('gateway'),
    'checks-off gateway': own('plain'),
    'bare forwarder': own('bare'),
    'gateway, static upstream': own('gatewayStatic'),
    'bare forwarder, static upstream': own('bareStatic'),
    'static upstream': own('static'),
    'auth-service': own('auth'),
    'user-service': own('users'),
    'audit-service': own('audit'),
    PostgreSQL: () => pidsNamed(/^postgres/),
    Redis: () => pidsNamed(/^redis-server/),
    RabbitMQ: () => pidsNamed(/^beam/),
    'load generator': () => [process.pid],
  };
}

/** A CPU meter over one stack's processes (the other stack of a comparison sits idle meanwhile). */
export const meterFor = (stack, extra = {}) => cpuMeter({ ...processGroups(stack), ...extra });

/** CPU ms per group, divided into microseconds per request. */
export function perRequest(cpuMs, requests) {
  return Object.fromEntries(
    Object.entries(cpuMs)
      .filter(([, ms]) => ms > 0)
      .map(([name, ms]) => [name, (ms * 1000) / requests]),
  );
}

export const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

/** The middle value (the mean of the middle two for an even count): one odd round moves it little. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The median of each process's CPU over runs (a process missing from a run counts 0). */
export function medianCpu(list) {
  const names = new Set(list.flatMap((c) => Object.keys(c)));
  return Object.fromEntries([...names].map((n) => [n, median(list.map((c) => c[n] ?? 0))]));
}

/** The mean of each process's CPU over runs (a process missing from a run counts 0). */
export function meanCpu(list) {
  const names = new Set(list.flatMap((c) => Object.keys(c)));
  return Object.fromEntries([...names].map((n) => [n, mean(list.map((c) => c[n] ?? 0))]));
}

/**
 * The subjects (one stack, or the two of a comparison) in the order of one round: A, B in even
 * rounds and B, A in odd ones, so neither always runs first (after the other's warm caches).
 */
export const inRound = (subjects, round) => (round % 2 === 0 ? subjects : [...subjects].reverse());

/**
 * Loads every named process in the same seconds (`optionsOf(name)` gives its load), a warm-up
 * first: whatever the host does in those seconds, it does to all of them. Returns each one's run
 * with its CPU µs per request (from /proc).
 */
export async function loadTogether(pids, optionsOf, { warmUp, seconds, label }) {
  const names = Object.keys(pids);
  await Promise.all(names.map((name) => load({ ...optionsOf(name), duration: warmUp })));
  const meter = cpuMeter(Object.fromEntries(names.map((name) => [name, () => [pids[name]]])));
  const runs = await Promise.all(
    names.map((name) => load({ ...optionsOf(name), duration: seconds })),
  );
  const cpu = meter.stop();
  return Object.fromEntries(
    names.map((name, i) => {
      const run = expectAllOk(`${label} ${name}`, runs.at(i));
      return [name, { ...run, us: (cpu[name] * 1000) / run.total }];
    }),
  );
}
