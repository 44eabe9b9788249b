// One bench scenario on its own, from the bench code of a checkout (this one by default, or
// another built checkout, e.g. a `git worktree` of an earlier commit): prints one JSON line.
//   node bench/scenario.mjs edge  [checkout]   scenario 1: full, checks-off and direct reads
//   node bench/scenario.mjs audit [checkout]   scenario 4: the audit pipeline
//   node bench/scenario.mjs sessions           login and refresh cost with 1M dead sessions
//   node bench/scenario.mjs logins             what a login costs besides its hash
//   node bench/scenario.mjs floor              item 2's floor: a forwarder doing only what it must
// `npm run bench -- --compare <rev>` compares two checkouts with their rounds interleaved.
/* eslint-disable security/detect-non-literal-fs-filename -- a checkout named on the command line */
import { existsSync } from 'node:fs';
import path from 'node:path';

const [scenario, checkout = path.resolve(import.meta.dirname, '..')] = process.argv.slice(2);
const lib = (file) => import(path.join(checkout, 'bench/lib', file));
const { Stack } = await lib('stack.mjs');
const { auditPipeline } = await lib('scenarios.mjs');
// Since the compare mode scenario 1 takes a list of stacks; older checkouts take one.
const edgeCost = existsSync(path.join(checkout, 'bench/lib/edge.mjs'))
  ? async (stack, token, options) =>
      (await (await lib('edge.mjs')).edgeCost([{ stack, token }], options))[0]
  : (await lib('scenarios.mjs')).edgeCost;

async function post(url, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function edge(stack) {
  const plain = await stack.startPlainGateway();
  stack.plainGateway = plain.url;
  stack.processes.plain = plain.child;
  // Older checkouts have no calibration forwarder (and their scenario 1 does not run one).
  if (stack.startBareForwarder) {
    const bare = await stack.startBareForwarder();
    stack.bareForwarder = bare.url;
    stack.processes.bare = bare.child;
  }
  const user = {
    username: `one_${stack.id}`,
    email: `one.${stack.id}@example.com`,
    password: `Tidal-Harbour-${stack.id}-0!`,
  };
  const registered = await post(`${stack.auth}/api/v1/auth/register`, user);
  if (registered.status !== 201) throw new Error(`register: ${registered.status}`);
  const login = await post(`${stack.gateway}/api/v1/auth/login`, {
    email: user.email,
    password: user.password,
  });
  if (login.status !== 200) throw new Error(`login: ${login.status}`);
  const result = await edgeCost(stack, login.body.access_token, { quick: false });
  const cpu = result.cpuPerRequestUs;
  return {
    rps: {
      full: result.full.rps,
      plain: result.plain.rps,
      bare: result.bare?.rps,
      direct: result.direct.rps,
    },
    p99: {
      full: result.full.p99,
      plain: result.plain.p99,
      bare: result.bare?.p99,
      direct: result.direct.p99,
    },
    cpuUs: {
      gateway: cpu.full.gateway,
      plainGateway: cpu.plain?.['checks-off gateway'],
      bareForwarder: cpu.bare?.['bare forwarder'],
      usersFull: cpu.full['user-service'],
      usersDirect: cpu.direct['user-service'],
      redisDirect: cpu.direct.Redis,
    },
  };
}

async function audit(stack) {
  const result = await auditPipeline(stack, { quick: false });
  return {
    offeredPerSecond: result.offered.perSecond,
    lagP99Ms: result.offered.p99,
    capacityPerSecond: result.capacity.perSecond,
  };
}

// Scenarios that start their own stacks (this checkout only): what measures, what renders.
const both = (measuring, rendering) => Promise.all([import(measuring), import(rendering)]);
const standalone = new Map([
  [
    'sessions',
    async () => {
      const [m, r] = await both('./lib/sessions.mjs', './lib/sessions-report.mjs');
      return [m.sessionTables, r.renderSessions];
    },
  ],
  [
    'logins',
    async () => {
      const [m, r] = await both('./lib/logins.mjs', './lib/logins-report.mjs');
      return [m.loginCostSplit, r.renderLoginSplit];
    },
  ],
  [
    'floor',
    async () => {
      const [m, r] = await both('./lib/floor.mjs', './lib/floor-report.mjs');
      return [m.edgeFloor, r.renderFloor];
    },
  ],
]).get(scenario);
if (standalone) {
  const [measure, render] = await standalone();
  const log = (line) => process.stderr.write(`bench: ${line}\n`);
  const result = await measure({ quick: process.env.BENCH_QUICK === '1', log });
  process.stdout.write(`${JSON.stringify(result)}\n\n${render(result)}\n`);
  process.exit(0);
}

const run = new Map([
  ['edge', edge],
  ['audit', audit],
]).get(scenario);
if (!run) {
  process.stderr.write(
    'usage: node bench/scenario.mjs edge|audit|sessions|logins|floor [checkout]\n',
  );
  process.exit(2);
}
const stack = new Stack();
try {
  await stack.startCore({});
  process.stdout.write(`${JSON.stringify({ checkout, scenario, ...(await run(stack)) })}\n`);
} finally {
  await stack.close();
}
process.exit(0);
