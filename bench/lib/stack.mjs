// Starts the built services as child processes (so each has its own, honest RSS) on free
// loopback ports, with throwaway databases, a private Redis key prefix and a private audit queue.
// A stack runs the dist/ of one checkout: this one, or the revision `--compare` built.
/* eslint-disable security/detect-non-literal-fs-filename -- its own temp directory and checkouts */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import amqp from 'amqplib';
import { Redis } from 'ioredis';

import { dropDatabase, ensureDatabase, serviceDatabaseUrl } from '@secure-api/shared/data';
import { backendPorts, closedPort } from '@secure-api/shared/testing';

import { stopChild, waitForHttp } from '../../scripts/lib/service-process.mjs';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export const urls = {
  database: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432',
  redis: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  amqp: process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
};

/**
 * Until `url` answers 200; fails when the child died or time ran out. Generous: on a busy 2-core
 * machine a service that starts while others are under load can take a minute to answer.
 */
async function waitHealthy(url, child, timeoutMs = 120_000) {
  const exited = () => child.exitCode !== null;
  if (await waitForHttp(url, { timeoutMs, giveUp: exited })) return;
  if (exited()) throw new Error(`${child.name} exited with ${child.exitCode}`);
  throw new Error(`${child.name} did not become healthy at ${url}`);
}

/**
 * The checkout's own wiring (`systemEnv` of its shared package): which variables its services
 * read may differ from this checkout's.
 */
async function systemEnvOf(checkout) {
  const shared = path.join(checkout, 'shared');
  const manifest = JSON.parse(readFileSync(path.join(shared, 'package.json'), 'utf8'));
  const entry = manifest.exports['./testing'];
  // `./testing` is TypeScript only (the bench runs under tsx); other entries are built.
  const file = path.join(
    shared,
    typeof entry === 'string' ? entry : (entry.default ?? entry.types),
  );
  return (await import(pathToFileURL(file).href)).systemEnv;
}

/**
 * One bench run's system. `start*` methods spawn a service and wait until it answers;
 * `close()` stops every child and drops every database, whatever happened before.
 */
export class Stack {
  /**
   * `checkout`: the directory whose built services it starts; `label` names it in the report;
   * `env`: settings every service of this stack gets (e.g. an OTLP endpoint).
   */
  constructor({ checkout = ROOT, label = 'this checkout', env = {} } = {}) {
    this.checkout = checkout;
    this.label = label;
    this.env = env;
    this.id = randomBytes(4).toString('hex');
    this.logDir = mkdtempSync(path.join(tmpdir(), 'secure-api-bench-'));
    this.children = [];
    this.databases = [];
    this.redisKeyPrefix = `bench-${this.id}:`;
    this.auditQueue = `bench.audit.${this.id}`;
    this.cleanups = [];
  }

  /** Runs at close(), after the children stopped. */
  onClose(cleanup) {
    this.cleanups.push(cleanup);
  }

  /**
   * The run's own RabbitMQ virtual host, when rabbitmqctl can make one: services always publish to
   * `security.events`, so two stacks (a `--compare` run) on one vhost would each store the other's
   * events. Without rabbitmqctl, or with BENCH_AMQP_URL set, the broker's URL as given.
   */
  async brokerUrl() {
    if (this.amqpUrl) return this.amqpUrl;
    this.amqpUrl = urls.amqp;
    if (process.env.BENCH_AMQP_URL) return this.amqpUrl;
    const vhost = `bench-${this.id}`;
    try {
      await rabbitmqctl(['add_vhost', vhost]);
      this.vhost = vhost;
      const user = decodeURIComponent(new URL(urls.amqp).username);
      await rabbitmqctl(['set_permissions', '-p', vhost, user, '.*', '.*', '.*']);
      const url = new URL(urls.amqp);
      url.pathname = `/${vhost}`;
      this.amqpUrl = url.toString();
    } catch (error) {
      console.error(`bench: no private RabbitMQ vhost (${String(error)}); stacks share one`);
    }
    return this.amqpUrl;
  }

  async database(service) {
    const server = new URL(urls.database);
    server.pathname = '/';
    const url = serviceDatabaseUrl(server.toString(), `bench_${this.id}_${service}`);
    await ensureDatabase(url);
    this.databases.push(url);
    return url;
  }

  /** Spawns `node <entry>` with env; its logs go straight to a file (not through this process). */
  spawn(name, entry, env, nodeArgs = []) {
    const log = openSync(path.join(this.logDir, `${name}.log`), 'a');
    // An absolute entry is named whole: the bench's own code (the same for every stack of a run)
    // or another checkout's gateway.
    const file = path.isAbsolute(entry) ? entry : path.join(this.checkout, entry);
    const child = spawn(process.execPath, [...nodeArgs, file], {
      cwd: this.checkout,
      env: {
        PATH: process.env.PATH,
        LOG_LEVEL: 'info',
        NODE_ENV: 'development',
        ...this.env,
        ...env,
      },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    child.name = name;
    this.children.push(child);
    return child;
  }

  async startService(name, entry, env, healthUrl, nodeArgs) {
    const child = this.spawn(name, entry, env, nodeArgs);
    await waitHealthy(healthUrl, child);
    return child;
  }

  /** auth-service, user-service, audit-service and one full gateway. */
  async startCore({ argon2 = {}, gatewayEnv = {}, authEnv = {} } = {}) {
    const systemEnv = await systemEnvOf(this.checkout);
    const env = systemEnv({
      // Each gateway of the run gets its own ports (startGateway).
      ports: await backendPorts(),
      databases: {
        auth: await this.database('auth'),
        users: await this.database('users'),
        audit: await this.database('audit'),
      },
      redis: urls.redis,
      amqp: await this.brokerUrl(),
      redisKeyPrefix: this.redisKeyPrefix,
      auditQueue: this.auditQueue,
    });
    this.auth = env.gateway.AUTH_SERVICE_URL;
    this.users = env.gateway.USER_SERVICE_URL;
    this.audit = env.gateway.AUDIT_SERVICE_URL;
    this.jwks = env.gateway.AUTH_JWKS_URL;
    this.auditDatabaseUrl = env.audit.DATABASE_URL;
    const limits = {
      // Limits stay on (the full gateway runs every check) but far above what the bench sends.
      RATE_LIMIT_PER_MINUTE: '1000000',
      LOGIN_RATE_LIMIT: '1000000/minute',
      REGISTER_RATE_LIMIT: '1000000/minute',
      REFRESH_RATE_LIMIT: '1000000/minute',
    };
    // Every gateway of this run shares the upstreams and the Redis prefix (startGateway gives
    // each its own ports).
    this.gatewayEnvBase = {
      ...env.gateway,
      CORS_ORIGINS: 'http://localhost:3000',
      ...limits,
      ...gatewayEnv,
    };
    this.usersEnv = env.users;
    this.processes = {};
    const start = (name, serviceEnv, health) =>
      this.startService(name, `${name}/dist/index.js`, serviceEnv, health);
    this.processes.users = await start('user-service', env.users, `${this.users}/health/live`);
    this.processes.audit = await start('audit-service', env.audit, `${this.audit}/health/ready`);
    this.processes.auth = await start(
      'auth-service',
      {
        ...env.auth,
        COOKIE_SECURE: 'false',
        LOGIN_RATE_LIMIT: limits.LOGIN_RATE_LIMIT,
        ...argon2,
        ...authEnv,
      },
      `${this.auth}/health/ready`,
    );
    const full = await this.startGateway('gateway');
    this.gateway = full.url;
    this.gatewayAdmin = full.adminUrl;
    this.processes.gateway = full.child;
  }

  /**
   * Another gateway on the same upstreams and Redis prefix (env overrides, e.g. REDIS_URL);
   * `checkout` names another built checkout whose gateway runs here (`npm run bench:ab -- --b-rev`).
   */
  async startGateway(name, env = {}, nodeArgs = [], checkout = this.checkout) {
    const [port, adminPort] = [await closedPort(), await closedPort()];
    const child = await this.startService(
      name,
      path.join(checkout, 'gateway/dist/index.js'),
      {
        ...this.gatewayEnvBase,
        GATEWAY_PORT: String(port),
        GATEWAY_ADMIN_PORT: String(adminPort),
        ...env,
      },
      `http://127.0.0.1:${adminPort}/health/ready`,
      nodeArgs,
    );
    return {
      url: `http://127.0.0.1:${port}`,
      adminUrl: `http://127.0.0.1:${adminPort}`,
      child,
    };
  }

  /** Another user-service on the same database, Redis and broker: a replica on its own port. */
  async startUserService(name, nodeArgs = []) {
    const port = await closedPort();
    const child = await this.startService(
      name,
      'user-service/dist/index.js',
      { ...this.usersEnv, USERS_PORT: String(port) },
      `http://127.0.0.1:${port}/health/live`,
      nodeArgs,
    );
    return { url: `http://127.0.0.1:${port}`, child };
  }

  /** The pids of the four services, by name, e.g. for their memory. */
  servicePids() {
    const { gateway, auth, users, audit } = this.processes;
    return { gateway: gateway.pid, auth: auth.pid, users: users.pid, audit: audit.pid };
  }

  /** The bench-only gateway with JWT, revocation, permission and rate-limit checks left out. */
  async startPlainGateway(name = 'gateway-plain', nodeArgs = []) {
    const port = await closedPort();
    const child = await this.startService(
      name,
      'bench/lib/plain-gateway.mjs',
      { ...this.gatewayEnvBase, GATEWAY_PORT: String(port) },
      `http://127.0.0.1:${port}/health`,
      nodeArgs,
    );
    return { url: `http://127.0.0.1:${port}`, child };
  }

  /**
   * The calibration forwarder (bench/lib/bare-forwarder.mjs) to this stack's user-service; `env`
   * adds the floor scenario's steps (BARE_CONTEXT, BARE_ACCESS_LOG; `redis` sets BARE_REDIS_URL).
   */
  async startBareForwarder(
    name = 'bare-forwarder',
    upstream = this.users,
    { redis = false, env = {} } = {},
  ) {
    const port = await closedPort();
    const child = await this.startService(
      name,
      path.join(ROOT, 'bench/lib/bare-forwarder.mjs'),
      {
        USER_SERVICE_URL: upstream,
        GATEWAY_PORT: String(port),
        ...(redis ? { BARE_REDIS_URL: urls.redis, BARE_REDIS_PREFIX: this.redisKeyPrefix } : {}),
        ...env,
      },
      `http://127.0.0.1:${port}/health`,
    );
    return { url: `http://127.0.0.1:${port}`, child };
  }

  /** The small JSON upstream of the second calibration (bench/lib/static-upstream.mjs). */
  async startStaticUpstream(name = 'static-upstream') {
    const port = await closedPort();
    const child = await this.startService(
      name,
      path.join(ROOT, 'bench/lib/static-upstream.mjs'),
      { GATEWAY_PORT: String(port) },
      `http://127.0.0.1:${port}/health`,
    );
    return { url: `http://127.0.0.1:${port}`, child };
  }

  /** SIGTERM, then SIGKILL after the services' own forced-exit time. */
  stopChild(child) {
    return stopChild(child);
  }

  async close() {
    await Promise.all(this.children.map((child) => this.stopChild(child)));
    for (const cleanup of this.cleanups) await cleanup().catch(() => undefined);
    for (const url of this.databases) await dropDatabase(url).catch(() => undefined);
    // The audit queue is durable and bound to security.events: left behind, it would collect
    // every event published on this broker from now on.
    await deleteQueues(this.amqpUrl ?? urls.amqp, [
      this.auditQueue,
      `${this.auditQueue}.dlq`,
    ]).catch(() => undefined);
    await deleteKeys(`${this.redisKeyPrefix}*`).catch(() => undefined);
    if (this.vhost) await rabbitmqctl(['delete_vhost', this.vhost]).catch(() => undefined);
  }
}

async function deleteQueues(url, queues) {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
  } finally {
    await connection.close();
  }
}

function rabbitmqctl(args) {
  return new Promise((resolve, reject) => {
    execFile('rabbitmqctl', ['-q', ...args], { timeout: 60_000 }, (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

/** The run's own Redis keys (the security-policy mirror has no TTL). */
async function deleteKeys(pattern) {
  const redis = new Redis(urls.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
