// Observations of the running system: per-process memory, Redis traffic, CPU profiles.
/* eslint-disable security/detect-non-literal-fs-filename, security/detect-object-injection --
   reads /proc/<pid>/* and the profiles this run wrote; every key is one of its own names */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';

/** VmRSS and VmHWM (peak) of a process, in MiB; undefined once it is gone. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
    const peak = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
    return { rss: rss / 1024, peak: peak / 1024 };
  } catch {
    return undefined;
  }
}

/** Resets the kernel's peak-RSS mark (VmHWM) so a later read covers one phase only. */
export function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * The lowest VmRSS of each named pid over `seconds` of idleness, sampled every `everyMs`: where an
 * idle process settles once V8 has collected after start-up, rather than wherever one sample
 * happens to fall (one sample moved 15-25 MiB between runs of the same build).
 */
export async function settledRss(pids, seconds = 15, everyMs = 250) {
  const min = Object.fromEntries(Object.keys(pids).map((name) => [name, Infinity]));
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    for (const [name, pid] of Object.entries(pids)) {
      const m = memoryOf(pid);
      if (m) min[name] = Math.min(min[name], m.rss);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return Object.fromEntries(
    Object.entries(min).map(([name, mib]) => [name, mib === Infinity ? 0 : mib]),
  );
}

/** Samples VmRSS of each named pid every `everyMs` until stopped; also keeps the kernel's peak. */
export function sampleMemory(pids, everyMs = 100) {
  const resetWorked = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, resetPeak(pid)]),
  );
  const max = Object.fromEntries(Object.keys(pids).map((name) => [name, 0]));
  const timer = setInterval(() => {
    for (const [name, pid] of Object.entries(pids)) {
      const m = memoryOf(pid);
      if (m) max[name] = Math.max(max[name], m.rss);
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Object.fromEntries(
        Object.entries(pids).map(([name, pid]) => {
          const kernelPeak = resetWorked[name] ? memoryOf(pid)?.peak : undefined;
          return [name, Math.max(max[name], kernelPeak ?? 0)];
        }),
      );
    },
  };
}

/**
 * A TCP proxy in front of Redis that counts what the client writes. With one request at a time,
 * each client write is one round trip (a pipeline or a MULTI block goes out as one write).
 */
export async function countingProxy(targetPort, targetHost = '127.0.0.1') {
  const counts = { writes: 0, bytes: 0 };
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk) => {
      counts.writes += 1;
      counts.bytes += chunk.length;
      upstream.write(chunk);
    });
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    counts,
    reset() {
      counts.writes = 0;
      counts.bytes = 0;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(resolve);
      }),
  };
}

/** `INFO commandstats` as { command: calls }. */
export async function commandStats(redis) {
  const text = await redis.info('commandstats');
  const calls = {};
  for (const line of text.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match) calls[match[1]] = Number(match[2]);
  }
  return calls;
}

export function diffStats(before, after) {
  const delta = {};
  for (const [command, calls] of Object.entries(after)) {
    const d = calls - (before[command] ?? 0);
    if (d > 0) delta[command] = d;
  }
  return delta;
}

function bucketOf({ url, functionName }) {
  // Native functions: the socket writes keep their own names, the rest is grouped.
  if (!url && /^write|^writev$/.test(functionName)) return 'socket writes (native)';
  if (!url) return functionName || '(native)';
  if (url.includes('/node_modules/')) {
    const [scope = '', name = ''] = url.split('/node_modules/').at(-1).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const own = /\/(gateway|shared|user-service|auth-service|audit-service)\/dist\//.exec(url);
  if (own) return `@secure-api/${own[1]}`;
  return url;
}

/**
 * Self time of a V8 .cpuprofile by area (node_modules/<pkg>, node:<module>, our packages, GC,
 * native socket writes), counting only the last `lastSeconds` (the load, not the start-up).
 * Returns busy CPU in microseconds per area, and the same by function.
 */
export function summariseProfile(file, lastSeconds) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const from = profile.endTime - lastSeconds * 1e6;
  const areas = new Map();
  const functions = new Map();
  let busyUs = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t < from) continue;
    const { callFrame } = byId.get(profile.samples[i]);
    if (callFrame.functionName === '(idle)') continue;
    // A sample stands for the time until the next one.
    const us = profile.timeDeltas[i + 1] ?? delta;
    busyUs += us;
    const area = bucketOf(callFrame);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const fn = `${callFrame.functionName || '(anonymous)'} [${area}]`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  return { busyUs, areas, functions, seconds: lastSeconds };
}

/**
 * CPU per request by area in two gateways under the same load: where the extra cost of the
 * full gateway goes. Areas are sorted by the difference.
 */
export function compareProfiles(full, fullRequests, plain, plainRequests, top = 12) {
  const perRequest = (map, n) => new Map([...map].map(([k, us]) => [k, us / n]));
  const a = perRequest(full.areas, fullRequests);
  const b = perRequest(plain.areas, plainRequests);
  const rows = [...new Set([...a.keys(), ...b.keys()])]
    .map((area) => ({ area, full: a.get(area) ?? 0, plain: b.get(area) ?? 0 }))
    .map((row) => ({ ...row, delta: row.full - row.plain }))
    .sort((x, y) => y.delta - x.delta);
  const fns = [...full.functions]
    .map(([name, us]) => ({ name, us: us / fullRequests }))
    .sort((x, y) => y.us - x.us)
    .slice(0, 10);
  return {
    fullUs: full.busyUs / fullRequests,
    plainUs: plain.busyUs / plainRequests,
    rows: rows.slice(0, top),
    otherDelta: rows.slice(top).reduce((sum, r) => sum + r.delta, 0),
    functions: fns,
  };
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function ticksOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), per proc(5): utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Every pid whose command name matches, e.g. all PostgreSQL backends. */
export function pidsNamed(pattern) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (pattern.test(readFileSync(`/proc/${entry}/comm`, 'utf8').trim()))
        pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * CPU time used by groups of processes between start and stop, in milliseconds (from
 * /proc/<pid>/stat; a process that ends in between loses its share).
 */
export function cpuMeter(groups) {
  const snapshot = () =>
    Object.fromEntries(
      Object.entries(groups).map(([name, pids]) => [
        name,
        new Map(pids().map((pid) => [pid, ticksOf(pid)])),
      ]),
    );
  const before = snapshot();
  return {
    stop() {
      const after = snapshot();
      return Object.fromEntries(
        Object.entries(after).map(([name, ticks]) => {
          let delta = 0;
          for (const [pid, t] of ticks) delta += t - (before[name].get(pid) ?? t);
          return [name, (delta * 1000) / TICKS_PER_SECOND];
        }),
      );
    },
  };
}
