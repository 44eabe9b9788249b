import { randomUUID } from 'node:crypto';

import {
  captureLogger,
  createTestDatabase,
  FAST_ARGON2,
  backendPorts,
  systemEnv,
  TcpProxy,
  testUrls,
  uniqueName,
  type CapturedLogger,
  type TestDatabase,
} from '@secure-api/shared/testing';

import { startServer as startAudit } from '../../../../audit-service/src/api/server.js';
import { readConfig as readAuditConfig } from '../../../../audit-service/src/config.js';
import { startServer as startAuth } from '../../../../auth-service/src/api/server.js';
import { readConfig as readAuthConfig } from '../../../../auth-service/src/config.js';
import { startServer as startUsers } from '../../../../user-service/src/api/server.js';
import { readConfig as readUsersConfig } from '../../../../user-service/src/config.js';
import { startServer as startGateway, type RunningGateway } from '../../../src/api/server.js';
import { gatewayConfig } from '../../helpers.js';

// The faults are about dependencies, not hashing: fast Argon2 keeps the run short.
export { FAST_ARGON2 };

interface Running {
  url: string;
  close(): Promise<void>;
}

export interface FaultStack {
  gateway: RunningGateway;
  auth: Running;
  users: Running;
  /** Only when started with `audit: true`. */
  audit?: Running;
  /** Every service reaches each dependency through its own line here, which a test can cut. */
  lines: { redis: TcpProxy; postgres: TcpProxy; amqp: TcpProxy };
  databases: { auth: string; users: string; audit: string };
  /** The queue this stack's audit-service consumes (bound to `security.events`). */
  auditQueue: string;
  logs: CapturedLogger[];
  close(): Promise<void>;
}

export interface FaultStackOptions {
  audit?: boolean;
}

/**
 * auth-service, user-service, (audit-service) and the gateway in this process on free ports,
 * throwaway databases, and one TcpProxy per dependency between all of them and it.
 */
export async function startFaultStack(
  label: string,
  options: FaultStackOptions = {},
): Promise<FaultStack> {
  const lines = {
    redis: await TcpProxy.forUrl(testUrls.redis).start(),
    postgres: await TcpProxy.forUrl(testUrls.database).start(),
    amqp: await TcpProxy.forUrl(testUrls.amqp).start(),
  };
  const dbs: TestDatabase[] = [
    await createTestDatabase(`${label}_auth`),
    await createTestDatabase(`${label}_users`),
    await createTestDatabase(`${label}_audit`),
  ];
  const [authDb, usersDb, auditDb] = dbs as [TestDatabase, TestDatabase, TestDatabase];
  const auditQueue = uniqueName(`${label}_audit_q`);
  const env = systemEnv({
    ports: await backendPorts(),
    databases: {
      auth: lines.postgres.urlFor(authDb.url),
      users: lines.postgres.urlFor(usersDb.url),
      audit: lines.postgres.urlFor(auditDb.url),
    },
    redis: lines.redis.urlFor(testUrls.redis),
    amqp: lines.amqp.urlFor(testUrls.amqp),
    redisKeyPrefix: `${label}-${randomUUID().slice(0, 8)}:`,
    auditQueue,
  });
  const test = { NODE_ENV: 'test' };
  const logs = ['auth-service', 'user-service', 'audit-service', 'gateway'].map((name) =>
    captureLogger(name, 'info'),
  );
  const [authLog, usersLog, auditLog, gatewayLog] = logs as [
    CapturedLogger,
    CapturedLogger,
    CapturedLogger,
    CapturedLogger,
  ];

  const users = await startUsers(
    { ...readUsersConfig({ ...test, ...env.users }), autoMigrate: true },
    usersLog.logger,
  );
  const audit = options.audit
    ? await startAudit(readAuditConfig({ ...test, ...env.audit }), auditLog.logger)
    : undefined;
  const auth = await startAuth(
    {
      ...readAuthConfig({
        ...test,
        ...env.auth,
        CORS_ORIGINS: 'https://app.example.com',
        LOGIN_RATE_LIMIT: '1000/minute',
        ...FAST_ARGON2,
      }),
      autoMigrate: true,
    },
    authLog.logger,
  );
  // Without audit-service its port stays closed: the gateway's audit routes find nothing there.
  const gateway = await startGateway(gatewayConfig(env.gateway), gatewayLog.logger);

  return {
    gateway,
    auth,
    users,
    ...(audit ? { audit } : {}),
    lines,
    databases: { auth: authDb.url, users: usersDb.url, audit: auditDb.url },
    auditQueue,
    logs,
    close: async () => {
      for (const line of Object.values(lines)) line.restore();
      await gateway.close();
      await auth.close();
      await audit?.close();
      await users.close();
      for (const line of Object.values(lines)) await line.stop();
      for (const db of dbs) await db.drop();
    },
  };
}

export interface Account {
  id: string;
  email: string;
  password: string;
}

export async function register(gateway: string): Promise<Account> {
  const tag = randomUUID().slice(0, 8);
  const user = {
    username: `fault_${tag}`,
    email: `fault.${tag}@example.com`,
    password: `Str0ng-Pass-${tag}!`,
  };
  const res = await fetch(`${gateway}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(user),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  return { ...user, id: ((await res.json()) as { id: string }).id };
}

export async function login(gateway: string, account: Account): Promise<string> {
  const res = await fetch(`${gateway}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: account.email, password: account.password }),
  });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** One request with a deadline: a hung answer fails the test instead of hanging it. */
export async function call(
  url: string,
  init: RequestInit = {},
  timeoutMs = 15_000,
): Promise<Answer> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    body: await res.text(),
  };
}

export function bearer(token: string): RequestInit {
  return { headers: { authorization: `Bearer ${token}` } };
}

/** Milliseconds until `probe` holds, polling every 100 ms; -1 when it never did in time. */
export async function timeUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await probe().catch(() => false)) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return -1;
}
