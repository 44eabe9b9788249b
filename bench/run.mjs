// `npm run bench`: builds, starts the whole system as child processes on loopback with throwaway
// databases, runs the scenarios of issues 8 and 14 (each bounded in time), prints one table and
// writes it into docs/performance.md. BENCH_QUICK=1 shortens every phase (a smoke run, not for
// the docs).
//   npm run bench -- --compare <git-rev>   the same against <git-rev>, built in its own worktree:
//                                          both stacks at once, rounds interleaved, new / old
//   npm run bench -- --sessions            adds login and refresh cost with 1M dead sessions (~3 min)
//   npm run bench -- --audit-verify        adds audit chain verification at 1M events (~5 min)
/* eslint-disable security/detect-non-literal-fs-filename, security/detect-object-injection --
   its own temp directory; objects keyed by its own scenario and process names */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { Redis } from 'ioredis';

import { describeRevision, prepareCheckout } from './lib/checkout.mjs';
import { renderCompare } from './lib/compare-report.mjs';
import { edgeCost } from './lib/edge.mjs';
import { flameSummaries } from './lib/flames.mjs';
import { argon2Throughput, loginThroughput } from './lib/logins.mjs';
import { bareNode, loadedGatewayCode } from './lib/loaded-code.mjs';
import { sampleMemory, settledRss } from './lib/probes.mjs';
import { redisTripsAndProfile } from './lib/redis-trips.mjs';
import { machineInfo, renderReport, writeReport } from './lib/report.mjs';
import { scaleOut } from './lib/scale-out.mjs';
import { auditVerification } from './lib/audit-verify.mjs';
import { renderAuditVerify } from './lib/audit-verify-report.mjs';
import { auditPipeline, isolation } from './lib/scenarios.mjs';
import { sessionTables } from './lib/sessions.mjs';
import { renderSessions } from './lib/sessions-report.mjs';
import { ROOT, urls } from './lib/stack.mjs';
import { PRODUCTION_ARGON2, startSubject } from './lib/subject.mjs';
import { verifierCost } from './lib/verifier-cost.mjs';

const QUICK = process.env.BENCH_QUICK === '1';

const log = (line) => process.stderr.write(`bench: ${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function parseOptions(args) {
  const { values } = parseArgs({
    args,
    options: {
      compare: { type: 'string' },
      sessions: { type: 'boolean', default: false },
      'audit-verify': { type: 'boolean', default: false },
    },
  });
  return values;
}

function build() {
  log('building (tsc -b)');
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error('build failed');
}

/** The figures of one stack that need the whole machine to itself: one stack after the other. */
async function oneByOne(subjects, step) {
  const results = [];
  for (const subject of subjects) results.push(await step(subject));
  return results;
}

async function measure(subjects, redis, options) {
  const stacks = subjects.map(({ stack }) => ({ label: stack.label }));
  const each = (key, values) => values.forEach((v, i) => (stacks[i][key] = v));
  const shared = {};

  await sleep(3000); // after start-up and the first requests
  // Both stacks idle at once: the lowest RSS of each service over 15 s.
  each(
    'idle',
    await Promise.all(subjects.map(({ stack }) => settledRss(stack.servicePids(), QUICK ? 3 : 15))),
  );
  shared.bareNode = bareNode();
  const peaks = subjects.map(({ stack }) => sampleMemory(stack.servicePids(), 250));

  log('scenario 1: edge cost');
  each('edge', await edgeCost(subjects, { quick: QUICK }));
  log('scenario 6: Redis round trips, and a gateway CPU profile');
  const probes = await oneByOne(subjects, ({ stack, token }) =>
    redisTripsAndProfile(stack, token, redis),
  );
  each(
    'trips',
    probes.map((p) => p.trips),
  );
  each(
    'profile',
    probes.map((p) => p.profile),
  );
  if (subjects.length > 1) {
    log('flame summaries: profiled gateway and user-service of each stack');
    each('flames', await flameSummaries(subjects, { quick: QUICK }));
  }
  log('scale-out: two gateways and two user-services against one of each');
  each('scaleOut', await scaleOut(subjects, { quick: QUICK }));
  log('token verification cost, cached and not (this checkout)');
  const current = subjects.at(-1);
  shared.verifier = await verifierCost(current.stack.jwks, current.token, { quick: QUICK });
  log('scenario 2: logins/s vs raw Argon2id');
  shared.argon2 = await argon2Throughput(PRODUCTION_ARGON2, { quick: QUICK });
  // For the analysis: one hash at a time (p=4 already uses every core for one hash).
  shared.argon2Single = await argon2Throughput(PRODUCTION_ARGON2, {
    quick: QUICK,
    concurrency: 1,
    seconds: QUICK ? 3 : 6,
  });
  each('logins', await loginThroughput(subjects, { quick: QUICK }));
  log('scenarios 3 and 5: isolation under a login flood, peak RSS');
  each(
    'isolation',
    await oneByOne(subjects, ({ stack, token, user }) =>
      isolation(stack, token, user, { quick: QUICK }),
    ),
  );
  log('scenario 4: audit pipeline');
  each('audit', await oneByOne(subjects, ({ stack }) => auditPipeline(stack, { quick: QUICK })));
  each(
    'memory',
    peaks.map((sampler, i) => {
      const peakDuringRun = sampler.stop();
      const flood = stacks[i].isolation.peakRss;
      const peak = Object.fromEntries(
        Object.entries(peakDuringRun).map(([n, mib]) => [n, Math.max(mib, flood[n] ?? 0)]),
      );
      // What importing the gateway's code alone holds, after forced collections (nothing started).
      const loadedCode = loadedGatewayCode(subjects[i].stack.checkout);
      return { idle: stacks[i].idle, peak, loadedCode };
    }),
  );
  if (options.sessions) {
    log('sessions table: login and refresh cost, few rows vs 1M dead rows');
    shared.sessions = await sessionTables({ quick: QUICK, log });
  }
  if (options['audit-verify']) {
    // This checkout's verification only: its baseline, the old whole-chain walk, is timed beside it.
    log('audit verification at 1M stored events');
    shared.auditVerify = await auditVerification({ events: QUICK ? 20_000 : 1_000_000, log });
  }
  return { stacks, shared };
}

async function main() {
  const started = Date.now();
  const loadAverage = os.loadavg()[0]; // before our own build and services add to it
  const options = parseOptions(process.argv.slice(2));
  build();
  const checkouts = [];
  let compare;
  if (options.compare) {
    const old = prepareCheckout(options.compare, log);
    const now = describeRevision('HEAD');
    const short = (sha) => sha.slice(0, 7);
    compare = {
      rev: options.compare,
      old: { sha: old.sha, short: short(old.sha), subject: old.subject },
      new: { sha: now.sha, short: `${short(now.sha)}+worktree`, subject: now.subject },
    };
    checkouts.push({ checkout: old.dir, label: `old ${short(old.sha)}` });
  }
  checkouts.push({ checkout: ROOT, label: 'new' });

  const subjects = [];
  const redis = new Redis(urls.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const closeAll = () => Promise.all(subjects.map(({ stack }) => stack.close()));
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    log('interrupted, cleaning up');
    void closeAll().finally(() => process.exit(130));
  });
  try {
    await redis.connect();
    const machine = { ...(await machineInfo(redis)), loadAverage };
    for (const checkout of checkouts) subjects.push(await startSubject(checkout, log));
    const { stacks, shared } = await measure(subjects, redis, options);
    const elapsedSeconds = (Date.now() - started) / 1000;
    const results = compare
      ? { quick: QUICK, machine, compare, ...shared, stacks, elapsedSeconds }
      : { quick: QUICK, machine, ...shared, ...stacks[0], elapsedSeconds };
    const out = path.join(subjects.at(-1).stack.logDir, 'results.json');
    // The raw numbers, to re-render or compare runs: `npx tsx bench/render.mjs <file>`.
    writeFileSync(out, JSON.stringify(results, null, 2));
    const report = compare ? renderCompare(results) : renderReport(results);
    process.stdout.write(`${report.table}\n`);
    if (results.sessions) process.stdout.write(`\n${renderSessions(results.sessions)}\n`);
    if (results.auditVerify) process.stdout.write(`\n${renderAuditVerify(results.auditVerify)}\n`);
    if (QUICK) log('BENCH_QUICK=1: docs/performance.md left unchanged');
    else log(`wrote ${await writeReport(report.markdown)}`);
    log(`raw results: ${out}`);
  } finally {
    if (!interrupted) {
      await closeAll();
      redis.disconnect();
    }
  }
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
