// One table (stdout and docs/performance.md), with the machine and the date.
/* eslint-disable security/detect-non-literal-fs-filename, security/detect-object-injection --
   a local dev tool: its own files, and objects keyed by its own scenario and process names */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';

import { ROOT, urls } from './stack.mjs';

import { renderAuditVerify } from './audit-verify-report.mjs';
import { renderExtras, renderSessions } from './sessions-report.mjs';

export const BEGIN =
  '<!-- bench:begin (written by `npm run bench`; edit outside these markers) -->';
export const END = '<!-- bench:end -->';

export async function machineInfo(redis) {
  const client = new pg.Client({ connectionString: urls.database });
  let postgres = 'unknown';
  try {
    await client.connect();
    postgres = (await client.query('SHOW server_version')).rows[0].server_version;
  } finally {
    await client.end().catch(() => undefined);
  }
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    postgres,
    redis: redisVersion,
    date: new Date().toISOString(),
  };
}

const n0 = (x) => Math.round(x).toLocaleString('en-US');
const n1 = (x) => x.toFixed(1);
const n2 = (x) => x.toFixed(2);
const ms = (x) => `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;
const verdict = (ok) => (ok ? '**met**' : '**not met**');
/** When, where and on what the run was made. */
export function machineLine({ machine, elapsedSeconds, quick }) {
  return (
    `Measured ${machine.date.slice(0, 16).replace('T', ' ')} UTC on ${machine.cpu}, ${machine.cores} cores, ` +
    `${n0(machine.memoryGiB)} GiB RAM, Node ${machine.node}, ${machine.kernel}; PostgreSQL ` +
    `${machine.postgres}, Redis ${machine.redis}, RabbitMQ local. Load average before the run: ` +
    `${n2(machine.loadAverage)}. Whole run: ${n0(elapsedSeconds)} s.` +
    (quick ? ' **BENCH_QUICK=1: a smoke run with short phases, not a measurement.**' : '')
  );
}

const run = (r) => `${n0(r.rps)} req/s · p50 ${ms(r.p50)} · p99 ${ms(r.p99)}`;

export function renderReport(r) {
  const { edge, argon2, logins, isolation, audit, trips, profile, verifier } = r;
  const fullPlain = edge.full.rps / edge.plain.rps;
  const cpuOf = (c) => Object.values(c).reduce((a, b) => a + b, 0);
  // Throughput on a CPU-bound machine is cores / CPU per request: the CPU ratio is the same
  // comparison, and much less disturbed by anything else running on the machine.
  const fullPlainCpu = cpuOf(edge.cpuPerRequestUs.plain) / cpuOf(edge.cpuPerRequestUs.full);
  const loginCpuRatio = argon2.cpuUsEach / cpuOf(logins.cpuPerLoginUs);
  const loginRatio = logins.perSecond / argon2.perSecond;
  const healthX = isolation.health.flood.p99 / isolation.health.rest.p99;
  const meX = isolation.me.flood.p99 / isolation.me.rest.p99;
  const commands = Object.entries(trips.commands)
    .map(([c, k]) => `${c} ${n2(k)}`)
    .join(', ');
  const rss = Object.entries(isolation.peakRss)
    .map(([name, mib]) => `${name} ${n0(mib)} MiB`)
    .join(' · ');

  const rows = [
    [
      '1',
      'GET /api/v1/users/me, full gateway (rate limit + JWT + revocation + RBAC + headers)',
      run(edge.full),
      '',
      '',
    ],
    ['1', 'same route, bench-only gateway without those checks', run(edge.plain), '', ''],
    ['1', 'same route, user-service direct', run(edge.direct), '', ''],
    [
      '1',
      'full / checks-off throughput',
      `${n2(fullPlain)} (p99 ×${n2(edge.full.p99 / edge.plain.p99)})`,
      '≥ 0.80',
      verdict(fullPlain >= 0.8),
    ],
    [
      '1',
      'full / checks-off, by CPU per request (all processes)',
      n2(fullPlainCpu),
      '≥ 0.80',
      verdict(fullPlainCpu >= 0.8),
    ],
    ['1', 'full / direct throughput', n2(edge.full.rps / edge.direct.rps), '', ''],
    [
      '2',
      `raw Argon2id verifications/s (m=64 MiB, t=3, p=4; ${argon2.concurrency} at a time)`,
      `${n2(argon2.perSecond)}/s (${n0(argon2.msEach)} ms each)`,
      '',
      '',
    ],
    [
      '2',
      'raw Argon2id verifications/s, one at a time (for comparison)',
      `${n2(r.argon2Single.perSecond)}/s (${n0(r.argon2Single.msEach)} ms each)`,
      '',
      '',
    ],
    [
      '2',
      `successful logins/s through the full gateway (${logins.connections} clients)`,
      `${n2(logins.perSecond)}/s (p50 ${ms(logins.p50)})`,
      '',
      '',
    ],
    ['2', 'logins / raw hashes', n2(loginRatio), '≥ 0.90', verdict(loginRatio >= 0.9)],
    [
      '2',
      `the same by CPU: one raw hash ${n0(argon2.cpuUsEach / 1000)} ms / one login ${n0(cpuOf(logins.cpuPerLoginUs) / 1000)} ms (all processes)`,
      n2(loginCpuRatio),
      '≥ 0.90',
      verdict(loginCpuRatio >= 0.9),
    ],
    [
      '3',
      `GET /health p99, at rest → under a login flood (${isolation.rate} req/s offered)`,
      `${ms(isolation.health.rest.p99)} → ${ms(isolation.health.flood.p99)} (×${n2(healthX)})`,
      '≤ 2×',
      verdict(healthX <= 2),
    ],
    [
      '3',
      `GET /api/v1/users/me p99, at rest → under the flood (${isolation.rate} req/s)`,
      `${ms(isolation.me.rest.p99)} → ${ms(isolation.me.flood.p99)} (×${n2(meX)})`,
      '≤ 2×',
      verdict(meX <= 2),
    ],
    [
      '3',
      `the flood: ${isolation.flood.connections} clients logging in`,
      `${n2(isolation.flood.loginsPerSecond)} logins/s, statuses ${JSON.stringify(isolation.flood.statuses)}`,
      '',
      '',
    ],
    [
      '4',
      `audit: ${n0(audit.targetRate)} events/s offered for ${audit.seconds} s → stored with chain`,
      `${n0(audit.offered.perSecond)}/s stored (${n0(audit.offered.stored)} of ${n0(audit.offered.sent)}); lag p50 ${ms(audit.offered.p50)}, p99 ${ms(audit.offered.p99)}`,
      '≥ 2,000/s',
      // Kept up: everything offered was stored, at the offered rate (the span it is divided by
      // includes the last event's lag, so a pipeline that keeps up shows just under 2,000).
      verdict(
        audit.offered.stored === audit.offered.sent &&
          audit.offered.perSecond >= 0.97 * audit.targetRate,
      ),
    ],
    [
      '4',
      `audit capacity (closed loop, ≤ ${n0(audit.capacity.backlog)} waiting)`,
      `${n0(audit.capacity.perSecond)}/s stored (${n0(audit.capacity.stored)} of ${n0(audit.capacity.sent)})`,
      '≥ 2,000/s',
      verdict(
        audit.capacity.perSecond >= audit.targetRate &&
          audit.capacity.stored === audit.capacity.sent,
      ),
    ],
    ['5', 'peak RSS during scenario 3', rss, '', ''],
    [
      '6',
      `Redis round trips per authenticated GET (${trips.requests} sequential requests)`,
      `${n2(trips.roundTrips)} (commands per request: ${commands})`,
      '1, pipelined',
      verdict(trips.roundTrips <= 1.05),
    ],
  ];
  const table = [
    '| # | scenario | measured | target | |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');

  const lines = [
    BEGIN,
    '',
    machineLine(r),
    '',
    table,
    '',
    `Token verification in one process (${verifier.verifications} verifications of the same token): ` +
      `full EdDSA check ${n0(verifier.uncached.cpuUs)} µs CPU each, cache hit ${n1(verifier.cached.cpuUs)} µs.`,
    '',
  ];
  const cpuRows = (columns) => {
    const names = [...new Set(columns.flatMap(([, c]) => Object.keys(c)))];
    return names.map(
      (n) =>
        `| ${n} | ${columns.map(([, c]) => (c[n] === undefined ? '' : n0(c[n]))).join(' | ')} |`,
    );
  };
  const edgeCpu = [
    ['full gateway', edge.cpuPerRequestUs.full],
    ['checks-off gateway', edge.cpuPerRequestUs.plain],
    ['direct', edge.cpuPerRequestUs.direct],
  ];
  const sum = (c) => Object.values(c).reduce((a, b) => a + b, 0);
  lines.push(
    'CPU time per request, by process, in µs (from /proc during the measured runs; every process ' +
      'shares the same 2 cores, so this is what bounds throughput):',
    '',
    `| process | ${edgeCpu.map(([n]) => `${n} (scenario 1)`).join(' | ')} | per login (scenario 2) |`,
    `|---|${edgeCpu.map(() => '---|').join('')}---|`,
    ...cpuRows([...edgeCpu, ['login', logins.cpuPerLoginUs]]),
    `| **all** | ${edgeCpu.map(([, c]) => `**${n0(sum(c))}**`).join(' | ')} | **${n0(sum(logins.cpuPerLoginUs))}** |`,
    '',
  );
  if (profile) {
    const us = (x) => (Math.abs(x) < 10 ? x.toFixed(1) : Math.round(x).toString());
    lines.push(
      `Where the full gateway's extra time goes: V8 CPU profiles of a full and a checks-off ` +
        `gateway under the same load (20 connections, GET /api/v1/users/me), self time per ` +
        `request by area. Full: **${us(profile.fullUs)} µs** of CPU per request, checks-off: ` +
        `**${us(profile.plainUs)} µs**.`,
      '',
      '| area | full µs/request | checks-off µs/request | difference |',
      '|---|---|---|---|',
      ...profile.rows.map(
        (row) =>
          `| ${row.area.replace(/\|/g, '\\|')} | ${us(row.full)} | ${us(row.plain)} | ${row.delta >= 0 ? '+' : ''}${us(row.delta)} |`,
      ),
      `| everything else | | | ${profile.otherDelta >= 0 ? '+' : ''}${us(profile.otherDelta)} |`,
      '',
    );
  }
  // Added with the compare mode: older results.json files have none of these.
  if (logins.levels || r.memory || r.scaleOut) lines.push(renderExtras(r), '');
  if (r.sessions) lines.push(renderSessions(r.sessions), '');
  if (r.auditVerify) lines.push(renderAuditVerify(r.auditVerify), '');
  lines.push(END);
  return { table, markdown: lines.join('\n') };
}

/** Replaces the measured block of docs/performance.md, formatted as `npm run format:check` wants. */
export async function writeReport(block) {
  const file = path.join(ROOT, 'docs/performance.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const start = current.indexOf(BEGIN.slice(0, 20));
  const end = current.indexOf(END);
  const next =
    start >= 0 && end > start
      ? `${current.slice(0, start)}${block}${current.slice(end + END.length)}`
      : `# Performance\n\n${block}\n\nReproduce with \`npm run bench\`.\n`;
  const { default: prettier } = await import('prettier');
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(next, { ...options, filepath: file }));
  return file;
}
