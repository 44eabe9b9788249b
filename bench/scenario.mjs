// One bench scenario on its own, from the bench code of a checkout (this one by default, or
// another built checkout, e.g. a `git worktree` of an earlier commit): prints one JSON line.
//   node bench/scenario.mjs edge  [checkout]   scenario 1: full, checks-off and direct reads
//   node bench/scenario.mjs audit [checkout]   scenario 4: the audit pipeline
// Run it alternately on two checkouts to compare them on the same machine.
import path from 'node:path';

const [scenario, checkout = path.resolve(import.meta.dirname, '..')] = process.argv.slice(2);
const { Stack } = await import(path.join(checkout, 'bench/lib/stack.mjs'));
const { auditPipeline, edgeCost } = await import(path.join(checkout, 'bench/lib/scenarios.mjs'));

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
    rps: { full: result.full.rps, plain: result.plain.rps, direct: result.direct.rps },
    p99: { full: result.full.p99, plain: result.plain.p99, direct: result.direct.p99 },
    cpuUs: {
      gateway: cpu.full.gateway,
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

const run = new Map([
  ['edge', edge],
  ['audit', audit],
]).get(scenario);
if (!run) {
  process.stderr.write('usage: node bench/scenario.mjs edge|audit [checkout]\n');
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
