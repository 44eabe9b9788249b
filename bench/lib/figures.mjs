// Every figure of one stack's results as a flat list of rows, so a comparison can put two runs
// side by side (and divide) without knowing the scenarios. A row: [section, name, value, kind],
// kind = 'rate' (higher is better), 'time' / 'cpu' / 'mib' (lower is better), 'ratio', 'text'.
/* eslint-disable security/detect-object-injection -- objects keyed by its own process names */

const sum = (c) => Object.values(c).reduce((a, b) => a + b, 0);

/** CPU µs per request by process, plus the total over all processes. */
function cpuRows(section, label, cpu) {
  const rows = Object.entries(cpu)
    .filter(([, us]) => us >= 0.5)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([process, us]) => [section, `${label}: ${process}`, us, 'cpu']);
  return [...rows, [section, `${label}: all processes`, sum(cpu), 'cpu']];
}

const statusText = (statuses) =>
  Object.entries(statuses)
    .map(([code, n]) => `${code}×${n}`)
    .join(' ') || 'no response';

/** The full gateway's CPU per request over the bare forwarder's, both from the same run. */
export function gatewayPerBare(edge) {
  const gateway = edge.cpuPerRequestUs.full.gateway ?? 0;
  const bare = edge.cpuPerRequestUs.bare?.['bare forwarder'] ?? 0;
  return bare > 0 ? gateway / bare : NaN;
}

/** The same, both in front of the small static upstream: { gateway, bare } µs and their ratio. */
export function staticGatewayPerBare(edge) {
  const gateway = edge.cpuPerRequestUs.staticFull?.['gateway, static upstream'] ?? 0;
  const bare = edge.cpuPerRequestUs.staticBare?.['bare forwarder, static upstream'] ?? 0;
  return { gateway, bare, ratio: bare > 0 ? gateway / bare : NaN };
}

export function figures(r, argon2) {
  const rows = [];
  const add = (...row) => rows.push(row);
  const { edge } = r;
  const s1 = '1 edge (GET /users/me, 20 conn.)';
  for (const [path, label] of [
    ['full', 'full gateway'],
    ['plain', 'checks-off gateway'],
    ['bare', 'bare forwarder (calibration)'],
    ['direct', 'user-service direct'],
    ['staticFull', 'static upstream: gateway'],
    ['staticBare', 'static upstream: bare forwarder'],
  ]) {
    if (!edge[path]) continue;
    add(s1, `${label} req/s`, edge[path].rps, 'rate');
    add(s1, `${label} p99 ms`, edge[path].p99, 'time');
  }
  add(s1, 'full / checks-off req/s', edge.full.rps / edge.plain.rps, 'ratio');
  add(
    s1,
    'full / checks-off by CPU',
    sum(edge.cpuPerRequestUs.plain) / sum(edge.cpuPerRequestUs.full),
    'ratio',
  );
  add(s1, 'full / direct req/s', edge.full.rps / edge.direct.rps, 'ratio');
  const sc = 'CPU µs per request';
  rows.push(...cpuRows(sc, 'full', edge.cpuPerRequestUs.full));
  rows.push(...cpuRows(sc, 'checks-off', edge.cpuPerRequestUs.plain));
  if (edge.cpuPerRequestUs.bare) {
    rows.push(...cpuRows(sc, 'bare forwarder', edge.cpuPerRequestUs.bare));
    add(sc, 'gateway / bare forwarder, CPU per request', gatewayPerBare(edge), 'ratio');
  }
  rows.push(...cpuRows(sc, 'direct', edge.cpuPerRequestUs.direct));
  if (edge.cpuPerRequestUs.staticFull) {
    rows.push(...cpuRows(sc, 'static upstream, gateway', edge.cpuPerRequestUs.staticFull));
    rows.push(...cpuRows(sc, 'static upstream, bare', edge.cpuPerRequestUs.staticBare));
    add(
      sc,
      'static upstream: gateway / bare forwarder, CPU per request',
      staticGatewayPerBare(edge).ratio,
      'ratio',
    );
  }
  if (r.profile) {
    add(sc, 'full gateway, V8 profile self time', r.profile.fullUs, 'cpu');
    add(sc, 'checks-off gateway, V8 profile self time', r.profile.plainUs, 'cpu');
  }
  if (r.trips) add('6 Redis', 'round trips per authenticated GET', r.trips.roundTrips, 'time');

  const s2 = '2/4 logins via gateway';
  for (const level of r.logins.levels) {
    const c = `${level.connections} clients`;
    add(s2, `${c}: logins/s`, level.perSecond, 'rate');
    add(s2, `${c}: logins / raw Argon2id`, level.perSecond / argon2.perSecond, 'ratio');
    add(s2, `${c}: p99 ms`, level.p99, 'time');
    add(s2, `${c}: statuses`, statusText(level.statuses), 'text');
    add(s2, `${c}: not 200 or 503+Retry-After`, level.unexpected + level.bare503, 'time');
    add(s2, `${c}: CPU ms per login, all processes`, sum(level.cpuPerLoginUs) / 1000, 'cpu');
  }
  add(s2, 'raw hash CPU / login CPU', argon2.cpuUsEach / sum(r.logins.cpuPerLoginUs), 'ratio');

  const { isolation } = r;
  const s3 = '3 isolation (50 req/s)';
  add(s3, 'GET /health p99 ms at rest', isolation.health.rest.p99, 'time');
  add(s3, 'GET /health p99 ms under login flood', isolation.health.flood.p99, 'time');
  add(s3, 'GET /users/me p99 ms at rest', isolation.me.rest.p99, 'time');
  add(s3, 'GET /users/me p99 ms under login flood', isolation.me.flood.p99, 'time');
  add(s3, 'flood statuses', statusText(isolation.flood.statuses), 'text');

  if (r.audit) {
    const s4 = '4 audit';
    add(s4, `${r.audit.targetRate}/s offered: stored/s`, r.audit.offered.perSecond, 'rate');
    add(s4, 'stored of sent', `${r.audit.offered.stored} of ${r.audit.offered.sent}`, 'text');
    add(s4, 'lag p99 ms', r.audit.offered.p99, 'time');
    add(s4, 'capacity stored/s', r.audit.capacity.perSecond, 'rate');
    // Nothing stored within the wait means the first phase's backlog was still draining.
    add(
      s4,
      'capacity: stored of sent',
      `${r.audit.capacity.stored} of ${r.audit.capacity.sent}`,
      'text',
    );
  }

  const s5 = '5 memory MiB';
  for (const [name, mib] of Object.entries(r.memory.idle)) add(s5, `${name} idle RSS`, mib, 'mib');
  for (const [name, mib] of Object.entries(r.memory.peak)) add(s5, `${name} peak RSS`, mib, 'mib');
  if (r.memory.loadedCode) {
    add(s5, 'gateway code imported, nothing started: RSS', r.memory.loadedCode.rss, 'mib');
    add(s5, 'gateway code imported, nothing started: heap', r.memory.loadedCode.heap, 'mib');
  }

  if (r.scaleOut) {
    const s7 = '7 scale-out (20 conn.)';
    const { one, two } = r.scaleOut;
    add(s7, '1 gateway + 1 user-service req/s', one.rps, 'rate');
    add(s7, '2 gateways + 2 user-services req/s', two.rps, 'rate');
    add(s7, 'two / one req/s', two.rps / one.rps, 'ratio');
    add(s7, 'two: p99 ms (worse half)', two.p99, 'time');
    rows.push(...cpuRows(s7, 'one pair, CPU µs/req', one.cpuPerRequestUs));
    rows.push(...cpuRows(s7, 'two pairs, CPU µs/req', two.cpuPerRequestUs));
  }
  return rows;
}
