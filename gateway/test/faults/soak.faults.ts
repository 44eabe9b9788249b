import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';

import {
  createTestDatabase,
  testUrls,
  uniqueName,
  type TestDatabase,
} from '@secure-api/shared/testing';

import { closedPort, GENEROUS_LIMITS } from '../helpers.js';
import {
  ensureBuilt,
  ROOT,
  probeHeap,
  rssMiB,
  spawnService,
  stopService,
  waitUntilUp,
  type ServiceProcess,
} from './support/processes.js';
import { FAST_ARGON2 } from './support/stack.js';

// SOAK_SECONDS shortens (or lengthens) the run locally; CI runs the full five minutes.
const SOAK_MS = Number(process.env.SOAK_SECONDS ?? 300) * 1000;
// Memory is judged by the live heap after a full collection (each service runs the heap probe),
// the median of each half of the run after the warm-up. RSS is printed but not judged: it moves in
// a sawtooth with V8's major collections (user-service between ~154 and ~180 MiB, a period of about
// 100 s) and climbs while V8 grows its heap to its working size, which one gateway reached within
// the warm-up and its twin, under the same traffic, did not (94 → 125 MiB, then flat). A leak
// raises the live heap; V8's sizing does not.
const WARM_UP_MS = SOAK_MS / 3;
const HALF_MS = (SOAK_MS - WARM_UP_MS) / 2;
const SAMPLE_EVERY_MS = 2000;
// About ten live-heap samples per half (a full collection each; every 10 s in the 5-minute run).
const HEAP_EVERY_MS = Math.min(10_000, HALF_MS / 10);
const CLIENTS = 6;
const PAUSE_MS = 15;

type Kind = 'register' | 'login' | 'refresh' | 'read' | 'admin-read' | 'role' | 'status';

/** The security event an action leaves in the audit store, exactly once; reads leave none. */
const EVENT_OF: Partial<Record<Kind, string>> = {
  register: 'auth.user.registered',
  login: 'auth.login.succeeded',
  refresh: 'auth.token.refreshed',
  role: 'user.role_changed',
  status: 'user.status_changed',
};

interface Account {
  id: string;
  email: string;
  password: string;
  token?: string;
  cookie?: string;
  active: boolean;
  role: 'user' | 'viewer';
  /** A role or status change of this account is in flight. */
  changing?: boolean;
}

interface Outcome {
  kind: Kind;
  status: number;
  requestId: string;
  detail?: string;
  at?: string;
}

describe('soak: five minutes of mixed traffic through two gateways sharing Redis', () => {
  const dbs: TestDatabase[] = [];
  const services = new Map<string, ServiceProcess>();
  const gateways: string[] = [];
  const auditQueue = uniqueName('soak_audit_q');
  let auditDb: string;
  let admin: Account;
  const outcomes: Outcome[] = [];
  /** RSS samples: when (ms into the soak) and MiB per service. */
  const rss: { at: number; mib: Map<string, number> }[] = [];
  /** Live-heap samples after a full collection: when, and MiB per service. */
  const heap: { at: number; mib: Map<string, number> }[] = [];

  beforeAll(async () => {
    ensureBuilt();
    const [authDb, usersDb, audit] = [
      await createTestDatabase('soak_auth'),
      await createTestDatabase('soak_users'),
      await createTestDatabase('soak_audit'),
    ];
    dbs.push(authDb, usersDb, audit);
    auditDb = audit.url;
    const [authPort, usersPort, auditPort] = [
      await closedPort(),
      await closedPort(),
      await closedPort(),
    ];
    const auth = `http://127.0.0.1:${authPort}`;
    const users = `http://127.0.0.1:${usersPort}`;
    const jwks = `${auth}/.well-known/jwks.json`;
    const prefix = `${uniqueName('soak')}:`;
    const common = { NODE_ENV: 'test', LOG_LEVEL: 'info', AMQP_URL: testUrls.amqp };
    const authEnv = {
      ...common,
      AUTH_PORT: String(authPort),
      DATABASE_URL: authDb.url,
      REDIS_URL: testUrls.redis,
      USER_SERVICE_URL: users,
      REDIS_KEY_PREFIX: prefix,
      LOGIN_RATE_LIMIT: '1000/minute',
      ...FAST_ARGON2,
    };

    const usersService = spawnService(
      'user-service',
      {
        ...common,
        USERS_PORT: String(usersPort),
        DATABASE_URL: usersDb.url,
        REDIS_URL: testUrls.redis,
        AUTH_JWKS_URL: jwks,
        AUTH_SERVICE_URL: auth,
      },
      { heapProbe: true },
    );
    const auditService = spawnService(
      'audit-service',
      {
        ...common,
        AUDIT_PORT: String(auditPort),
        DATABASE_URL: audit.url,
        REDIS_URL: testUrls.redis,
        AUDIT_QUEUE: auditQueue,
        AUDIT_DEAD_LETTER_QUEUE: `${auditQueue}_dlq`,
        AUTH_JWKS_URL: jwks,
        USER_SERVICE_URL: users,
      },
      { heapProbe: true },
    );
    const authService = spawnService('auth-service', authEnv, { heapProbe: true });
    services.set('users', usersService).set('audit', auditService).set('auth', authService);
    await waitUntilUp(`${users}/health/ready`, usersService);
    await waitUntilUp(`http://127.0.0.1:${auditPort}/health/ready`, auditService);
    await waitUntilUp(`${auth}/health/ready`, authService);
    for (const name of ['gatewayA', 'gatewayB']) {
      const [port, adminPort] = [await closedPort(), await closedPort()];
      const gatewayService = spawnService(
        'gateway',
        {
          ...common,
          GATEWAY_PORT: String(port),
          GATEWAY_ADMIN_PORT: String(adminPort),
          AUTH_SERVICE_URL: auth,
          USER_SERVICE_URL: users,
          AUDIT_SERVICE_URL: `http://127.0.0.1:${auditPort}`,
          AUTH_JWKS_URL: jwks,
          REDIS_URL: testUrls.redis,
          REDIS_KEY_PREFIX: prefix,
          ...GENEROUS_LIMITS,
        },
        { heapProbe: true },
      );
      services.set(name, gatewayService);
      await waitUntilUp(`http://127.0.0.1:${adminPort}/health/ready`, gatewayService);
      gateways.push(`http://127.0.0.1:${port}`);
    }

    // The first admin, the way operators make one: the built CLI, password on stdin.
    const tag = randomUUID().slice(0, 8);
    admin = {
      id: '',
      email: `soak.admin.${tag}@example.com`,
      password: `Adm1n-Soak-${tag}!`,
      active: true,
      role: 'user',
    };
    const created = spawnSync(
      process.execPath,
      [path.join(ROOT, 'auth-service/dist/create-admin.js'), '--email', admin.email],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...authEnv },
        input: `${admin.password}\n`,
      },
    );
    if (created.status !== 0) throw new Error(`create-admin: ${created.stdout.toString()}`);
  }, 120_000);

  afterAll(async () => {
    for (const service of services.values()) await stopService(service);
    for (const db of dbs) await db.drop();
    const { default: amqp } = await import('amqplib');
    const connection = await amqp.connect(testUrls.amqp);
    const channel = await connection.createChannel();
    await channel.deleteQueue(auditQueue);
    await channel.deleteQueue(`${auditQueue}_dlq`);
    await connection.close();
  });

  // node:http keep-alive agents, each retired after 500 requests. The gateway closes a connection
  // after 1,000 requests (maxRequestsPerSocket) and answers a bare 503 to anything sent on it
  // after that, but its proxied responses currently say `Connection: keep-alive` even then
  // (http-proxy copies the upstream's header), so a client cannot know: see docs/performance.md,
  // "Found by the soak". Until that is fixed in the proxy, the soak's clients never get near the limit.
  const REQUESTS_PER_AGENT = 500;
  let agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  let agentRequests = 0;
  const retired: http.Agent[] = [];
  afterAll(() => {
    for (const a of [agent, ...retired]) a.destroy();
  });
  const nextAgent = (): http.Agent => {
    agentRequests += 1;
    if (agentRequests > REQUESTS_PER_AGENT) {
      retired.push(agent);
      agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
      agentRequests = 1;
    }
    return agent;
  };

  function request(
    url: string,
    method: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<Response> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        { method, headers, agent: nextAgent(), timeout: 15_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              for (const v of Array.isArray(value) ? value : [value ?? '']) {
                responseHeaders.append(name, v);
              }
            }
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 599;
            resolve(new Response(text === '' ? null : text, { status, headers: responseHeaders }));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end(payload);
    });
  }

  let turn = 0;
  const gateway = () => gateways[(turn += 1) % gateways.length]!;

  async function send(
    kind: Kind,
    method: string,
    path: string,
    options: { token?: string; cookie?: string; body?: unknown } = {},
  ): Promise<Response> {
    const requestId = `soak-${kind}-${randomUUID()}`;
    const headers: Record<string, string> = { 'x-request-id': requestId };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.cookie) headers.cookie = options.cookie;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await request(`${gateway()}${path}`, method, headers, options.body);
    } catch {
      res = new Response(null, { status: 599 }); // no answer at all: counted with the 5xx
    }
    if (res.status >= 500) {
      // What answered, for the failure message (problem details carry no secrets).
      const type = res.headers.get('content-type') ?? 'no content-type';
      const detail = `${type}: ${(await res.clone().text()).slice(0, 200)}`;
      outcomes.push({ kind, status: res.status, requestId, detail, at: new Date().toISOString() });
    } else {
      outcomes.push({ kind, status: res.status, requestId });
    }
    return res;
  }

  const cookieOf = (res: Response) =>
    res.headers
      .getSetCookie()
      .find((c) => c.startsWith('refresh_token='))
      ?.split(';')[0];

  async function login(account: Account): Promise<void> {
    const res = await send('login', 'POST', '/api/v1/auth/login', {
      body: { email: account.email, password: account.password },
    });
    if (res.status !== 200) return;
    account.token = ((await res.json()) as { access_token: string }).access_token;
    account.cookie = cookieOf(res);
  }

  async function register(): Promise<Account | undefined> {
    const tag = randomUUID().slice(0, 8);
    const credentials = { email: `soak.${tag}@example.com`, password: `Str0ng-Soak-${tag}!` };
    const res = await send('register', 'POST', '/api/v1/auth/register', {
      body: { ...credentials, username: `soak_${tag}` },
    });
    if (res.status !== 201) return undefined;
    const { id } = (await res.json()) as { id: string };
    return { ...credentials, id, active: true, role: 'user' };
  }

  it(
    'answers no 5xx, and no service grows its live heap by 10% or more after the warm-up',
    async () => {
      await login(admin);
      expect(admin.token).toBeDefined();
      const accounts: Account[] = [];
      for (let i = 0; i < 10; i += 1) {
        const account = await register();
        if (account) {
          await login(account);
          accounts.push(account);
        }
      }
      if (accounts.length === 0) throw new Error(`no account: ${JSON.stringify(outcomes)}`);
      const pick = () => accounts[Math.floor(Math.random() * accounts.length)]!;

      const step = async () => {
        const roll = Math.random();
        const account = pick();
        if (roll < 0.08) {
          const fresh = await register();
          if (fresh) accounts.push(fresh);
        } else if (roll < 0.2) {
          if (account.active) await login(account);
        } else if (roll < 0.32) {
          if (!account.cookie) return;
          const res = await send('refresh', 'POST', '/api/v1/auth/refresh', {
            cookie: account.cookie,
          });
          if (res.status === 200) {
            account.token = ((await res.json()) as { access_token: string }).access_token;
            account.cookie = cookieOf(res) ?? account.cookie;
          }
        } else if (roll < 0.75) {
          if (account.token)
            await send('read', 'GET', '/api/v1/users/me', { token: account.token });
        } else if (roll < 0.88) {
          const page = 1 + Math.floor(Math.random() * 3);
          await send('admin-read', 'GET', `/api/v1/users?page=${page}&per_page=20`, {
            token: admin.token!,
          });
          await send('admin-read', 'GET', `/api/v1/users/${account.id}`, { token: admin.token! });
        } else if (account.changing) {
          // Another worker is changing this account: two toggles racing would make one a no-op
          // (200, nothing changed, so rightly no event). One change per account at a time.
          await send('admin-read', 'GET', `/api/v1/users/${account.id}`, { token: admin.token! });
        } else if (roll < 0.94) {
          // Always a real change, so every accepted one is an event.
          account.changing = true;
          const role = account.role === 'user' ? 'viewer' : 'user';
          const res = await send('role', 'PATCH', `/api/v1/users/${account.id}/role`, {
            token: admin.token!,
            body: { role },
          });
          // Only an accepted change moves the local view (a refused one must not desync it).
          if (res.status === 200) account.role = role;
          account.changing = false;
        } else {
          account.changing = true;
          const res = await send('status', 'PATCH', `/api/v1/users/${account.id}/status`, {
            token: admin.token!,
            body: { is_active: !account.active },
          });
          if (res.status === 200) account.active = !account.active;
          account.changing = false;
        }
      };

      const started = Date.now();
      let lastHeapProbe = 0;
      const sampler = setInterval(() => {
        const at = Date.now() - started;
        rss.push({ at, mib: new Map([...services].map(([n, s]) => [n, rssMiB(s.pid)])) });
        if (at - lastHeapProbe < HEAP_EVERY_MS) return;
        lastHeapProbe = at;
        const live = [...services].map(([n, s]) => [n, probeHeap(s)] as const);
        const mib = new Map(live.filter((e): e is [string, number] => e[1] !== undefined));
        if (mib.size === services.size) heap.push({ at, mib });
      }, SAMPLE_EVERY_MS);
      try {
        await Promise.all(
          Array.from({ length: CLIENTS }, async () => {
            while (Date.now() - started < SOAK_MS) {
              await step();
              await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
            }
          }),
        );
      } finally {
        clearInterval(sampler);
      }
      // The admin's own token expires in 15 minutes: a soak longer than that logs in again.

      const count = (kind: Kind, ok: (s: number) => boolean = () => true) =>
        outcomes.filter((o) => o.kind === kind && ok(o.status)).length;
      const serverErrors = outcomes.filter((o) => o.status >= 500 || o.status === 0);
      expect(serverErrors).toEqual([]);
      for (const kind of [
        'register',
        'login',
        'refresh',
        'read',
        'admin-read',
        'role',
        'status',
      ] as const) {
        expect(count(kind, (s) => s < 300)).toBeGreaterThan(0);
      }
      // Mostly successes; every other answer is one of the refusals the traffic provokes on purpose
      // (a deactivated user's token or login, a refresh after deactivation, ...), never anything else.
      const byStatus = new Map<number, number>();
      for (const o of outcomes) byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
      process.stdout.write(`soak statuses: ${JSON.stringify(Object.fromEntries(byStatus))}\n`);
      const unexpected = [...byStatus.keys()].filter(
        (s) => s >= 300 && ![401, 403, 429].includes(s),
      );
      expect(unexpected).toEqual([]);
      expect(outcomes.filter((o) => o.status < 300).length / outcomes.length).toBeGreaterThan(0.6);

      const within = (samples: typeof rss, name: string, from: number, to: number) =>
        samples
          .filter((sample) => sample.at >= from && sample.at < to)
          .map((sample) => sample.mib.get(name) ?? NaN)
          .sort((a, b) => a - b);
      const median = (values: number[]) => values[Math.floor(values.length / 2)] ?? NaN;
      const halves = [
        [WARM_UP_MS, WARM_UP_MS + HALF_MS],
        [WARM_UP_MS + HALF_MS, Infinity],
      ] as const;
      const summary = [...services.keys()].map((name) => {
        const [rssBefore, rssAfter] = halves.map(([from, to]) =>
          Math.min(...within(rss, name, from, to)),
        );
        const [baseline, final] = halves.map(([from, to]) => median(within(heap, name, from, to)));
        return { name, rssBefore, rssAfter, baseline, final, growth: final! / baseline! - 1 };
      });
      const mib = (n: number | undefined) => Math.round(n ?? NaN);
      process.stdout.write(
        `soak: ${outcomes.length} requests in ${Math.round((Date.now() - started) / 1000)} s; ` +
          `median live heap MiB (after a full collection) in each half after the warm-up: ${summary
            .map((r) => `${r.name} ${mib(r.baseline)} → ${mib(r.final)}`)
            .join(', ')}; lowest RSS MiB: ${summary
            .map((r) => `${r.name} ${mib(r.rssBefore)} → ${mib(r.rssAfter)}`)
            .join(', ')}\n`,
      );
      // Enough heap samples in each half to judge at all.
      for (const [from, to] of halves)
        expect(heap.filter((s) => s.at >= from && s.at < to).length).toBeGreaterThanOrEqual(3);
      for (const { name, growth } of summary) {
        expect([name, growth < 0.1]).toEqual([name, true]);
      }
    },
    SOAK_MS + 60_000,
  );

  it('leaves exactly one audit event for every action that records one', async () => {
    const recorded = outcomes.filter((o) => EVENT_OF[o.kind] !== undefined && o.status < 300);
    expect(recorded.length).toBeGreaterThan(0);
    const client = new pg.Client({ connectionString: auditDb });
    await client.connect();
    try {
      const counts = async () => {
        // Sent as X-Request-ID, so kept by the gateway as the client's id, beside its own.
        const { rows } = await client.query<{ request_id: string; type: string; n: number }>(
          `SELECT payload->>'client_request_id' AS request_id, type, count(*)::int AS n
            FROM audit_events WHERE payload->>'client_request_id' LIKE 'soak-%'
            GROUP BY payload->>'client_request_id', type`,
        );
        return new Map(rows.map((r) => [`${r.request_id} ${r.type}`, r.n]));
      };
      const deadline = Date.now() + 60_000;
      let stored = await counts();
      const allThere = () =>
        recorded.every((o) => stored.has(`${o.requestId} ${EVENT_OF[o.kind]!}`));
      while (!allThere() && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        stored = await counts();
      }
      const missing = recorded.filter((o) => !stored.has(`${o.requestId} ${EVENT_OF[o.kind]!}`));
      const twice = [...stored.entries()].filter(([, n]) => n > 1);
      const expected = new Set(recorded.map((o) => `${o.requestId} ${EVENT_OF[o.kind]!}`));
      expect(missing.map((o) => o.kind)).toEqual([]);
      expect(twice).toEqual([]);
      expect([...stored.keys()].filter((k) => expected.has(k))).toHaveLength(recorded.length);
    } finally {
      await client.end();
    }
  }, 90_000);
});
