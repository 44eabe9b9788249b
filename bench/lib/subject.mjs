// One stack of a bench run, started and checked: production Argon2id, a checks-off gateway beside
// the full one, two accounts (one reads, one logs in) and a token.
import { Stack } from './stack.mjs';

export const PRODUCTION_ARGON2 = { timeCost: 3, memoryCost: 65536, parallelism: 4 };

/** Argon2id parameters as auth-service's settings. */
export const argon2Env = (params) => ({
  ARGON2_TIME_COST: String(params.timeCost),
  ARGON2_MEMORY_COST: String(params.memoryCost),
  ARGON2_PARALLELISM: String(params.parallelism),
});

async function json(url, init = {}) {
  const res = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...init.headers },
  });
  const body = await res.json().catch(() => undefined);
  return { status: res.status, body };
}

/** Accounts made straight at auth-service (the gateway's register limit is not the subject). */
export async function createUsers(stack, n) {
  const users = [];
  for (let i = 0; i < n; i += 1) {
    const user = {
      username: `bench_${stack.id}_${i}`,
      email: `bench.${stack.id}.${i}@example.com`,
      password: `Tidal-Harbour-${stack.id}-${i}!`,
    };
    const res = await json(`${stack.auth}/api/v1/auth/register`, {
      method: 'POST',
      body: JSON.stringify(user),
    });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
    users.push({ ...user, id: res.body.id });
  }
  return users;
}

async function login(gateway, user) {
  const res = await json(`${gateway}/api/v1/auth/login`, {
    method: 'POST',
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token;
}

/** The three paths of scenario 1 answer the same user; the plain gateway really checks nothing. */
async function sanityCheck(stack, token, user) {
  for (const base of [stack.gateway, stack.plainGateway, stack.bareForwarder, stack.users]) {
    const res = await json(`${base}/api/v1/users/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 200 || res.body.id !== user.id) {
      throw new Error(`GET /users/me via ${base}: ${res.status}`);
    }
  }
  for (const base of [stack.staticGateway, stack.staticBare]) {
    const res = await fetch(`${base}/api/v1/users/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 200) throw new Error(`GET /users/me via ${base}: ${res.status}`);
  }
  const staticRefused = await fetch(`${stack.staticGateway}/api/v1/users/me`);
  if (staticRefused.status !== 401) throw new Error('the static-upstream gateway checks nothing');
  const full = await fetch(`${stack.gateway}/api/v1/users/me`);
  const plain = await fetch(`${stack.plainGateway}/api/v1/users/me`);
  // Both 401, but only the full gateway's comes with its rate-limit headers (it decided).
  if (full.status !== 401 || plain.status !== 401 || !full.headers.has('ratelimit-limit')) {
    throw new Error('scenario 1 gateways do not differ as described');
  }
  if (plain.headers.has('ratelimit-limit')) throw new Error('the plain gateway rate-limits');
}

/** One stack, started and checked: the production Argon2id, a checks-off gateway, two accounts. */
export async function startSubject({ checkout, label }, log) {
  const stack = new Stack({ checkout, label });
  log(`starting ${label} (logs in ${stack.logDir})`);
  await stack.startCore({ argon2: argon2Env(PRODUCTION_ARGON2) });
  const plain = await stack.startPlainGateway();
  stack.plainGateway = plain.url;
  stack.processes.plain = plain.child;
  const bare = await stack.startBareForwarder();
  stack.bareForwarder = bare.url;
  stack.processes.bare = bare.child;
  // The second calibration: this stack's gateway and the bare forwarder in front of a small JSON
  // upstream (the calibration setting), where the forwarder is nearly all the work.
  const upstream = await stack.startStaticUpstream();
  stack.staticUpstream = upstream.url;
  stack.processes.static = upstream.child;
  const staticGateway = await stack.startGateway('gateway-static', {
    USER_SERVICE_URL: upstream.url,
  });
  stack.staticGateway = staticGateway.url;
  stack.processes.gatewayStatic = staticGateway.child;
  const staticBare = await stack.startBareForwarder('bare-forwarder-static', upstream.url);
  stack.staticBare = staticBare.url;
  stack.processes.bareStatic = staticBare.child;
  const users = await createUsers(stack, 2);
  const token = await login(stack.gateway, users[0]);
  await sanityCheck(stack, token, users[0]);
  return { stack, token, user: users[1] };
}
