import { randomUUID } from 'node:crypto';

import request from 'supertest';

import type { Role } from '@secure-api/shared/auth';
import {
  captureLogger,
  createTestDatabase,
  testUrls,
  type CapturedLogger,
  type TestDatabase,
  uniqueName,
} from '@secure-api/shared/testing';

import amqp from 'amqplib';

import { startServer as startAuditService } from '../../../audit-service/src/api/server.js';
import { readConfig as readAuditConfig } from '../../../audit-service/src/config.js';
import { runCreateAdmin } from '../../../auth-service/src/api/create-admin.js';
import { startServer as startAuth } from '../../../auth-service/src/api/server.js';
import { readConfig as readAuthConfig } from '../../../auth-service/src/config.js';
import { startServer as startUsers } from '../../../user-service/src/api/server.js';
import { readConfig as readUsersConfig } from '../../../user-service/src/config.js';
import { startServer as startGateway } from '../../src/api/server.js';
import { closedPort, gatewayConfig } from '../helpers.js';

// Fast hashing keeps the suite quick on two cores; the production parameters are pinned by
// auth-service/test/password-hasher.test.ts.
const FAST_ARGON2 = { ARGON2_TIME_COST: '2', ARGON2_MEMORY_COST: '8192', ARGON2_PARALLELISM: '1' };

// The services believe X-Forwarded-For only from the gateway, which connects from here.
export const GATEWAY_HOP = { TRUSTED_PROXIES: '127.0.0.1/32' };

export interface System {
  gateway: string;
  auth: string;
  users: string;
  /** Every log line every service wrote, to scan for secrets. */
  logs: CapturedLogger[];
  /** The auth database, for tests that look at what is stored. */
  authDatabaseUrl: string;
  /** The Redis key prefix auth-service and the gateway share (the API-key cache lives under it). */
  redisKeyPrefix: string;
  /** audit-service, when started (options.audit). */
  audit?: { url: string; databaseUrl: string };
  /** Restarts auth-service on the same port and database with extra settings. */
  restartAuth(env: Record<string, string>): Promise<void>;
  /** A logged-in user of that role: admins via create-admin, others created by an admin. */
  userWithRole(role: Role): Promise<TestUser & LoggedIn>;
  close(): Promise<void>;
}

export interface SystemOptions {
  auth?: Record<string, string>;
  users?: Record<string, string>;
  gateway?: Record<string, string>;
  /** Also run audit-service, on queues of this system's own (deleted on close). */
  audit?: boolean;
}

/** All services in this process on free ports, each with its own throwaway database. */
export async function startSystem(label: string, options: SystemOptions = {}): Promise<System> {
  const [authPort, usersPort, auditPort] = [
    await closedPort(),
    await closedPort(),
    await closedPort(),
  ];
  const authUrl = `http://127.0.0.1:${authPort}`;
  const usersUrl = `http://127.0.0.1:${usersPort}`;
  const jwksUrl = `${authUrl}/.well-known/jwks.json`;
  const dbs: TestDatabase[] = [
    await createTestDatabase(`${label}_auth`),
    await createTestDatabase(`${label}_users`),
  ];
  const [authDb, usersDb] = dbs as [TestDatabase, TestDatabase];
  const logs = ['auth-service', 'user-service', 'gateway'].map((name) => captureLogger(name));
  const [authLog, usersLog, gatewayLog] = logs as [CapturedLogger, CapturedLogger, CapturedLogger];

  const users = await startUsers(
    {
      ...readUsersConfig({
        NODE_ENV: 'test',
        USERS_PORT: String(usersPort),
        DATABASE_URL: usersDb.url,
        REDIS_URL: testUrls.redis,
        AUTH_JWKS_URL: jwksUrl,
        AUTH_SERVICE_URL: authUrl,
        ...GATEWAY_HOP,
        ...options.users,
      }),
      autoMigrate: true,
    },
    usersLog.logger,
  );
  // Brute-force counters, rate-limit counters and the policy mirror are per system: runs never
  // share them. auth-service and the gateway use the same prefix, as one deployment would.
  const redisKeyPrefix = `${label}-${randomUUID().slice(0, 8)}:`;
  const authEnv = {
    NODE_ENV: 'test',
    AUTH_PORT: String(authPort),
    DATABASE_URL: authDb.url,
    REDIS_URL: testUrls.redis,
    USER_SERVICE_URL: usersUrl,
    CORS_ORIGINS: 'https://app.example.com',
    COOKIE_SECURE: 'true',
    ...FAST_ARGON2,
    REDIS_KEY_PREFIX: redisKeyPrefix,
    // The login limit auth-service publishes in the security policy, which the gateway enforces:
    // generous (the most the policy allows) because these tests log in often from 127.0.0.1.
    LOGIN_RATE_LIMIT: '1000/minute',
    ...GATEWAY_HOP,
    ...options.auth,
  };
  const authConfig = { ...readAuthConfig(authEnv), autoMigrate: true };
  let auth = await startAuth(authConfig, authLog.logger);
  const gateway = await startGateway(
    gatewayConfig({
      AUTH_SERVICE_URL: authUrl,
      USER_SERVICE_URL: usersUrl,
      AUDIT_SERVICE_URL: `http://127.0.0.1:${auditPort}`,
      AUTH_JWKS_URL: jwksUrl,
      REDIS_URL: testUrls.redis,
      REDIS_KEY_PREFIX: redisKeyPrefix,
      ...options.gateway,
    }),
    gatewayLog.logger,
  );
  const audit = options.audit
    ? await startAudit(label, { port: auditPort, jwksUrl, usersUrl })
    : undefined;
  let admin: (TestUser & LoggedIn) | undefined;
  const userWithRole = async (role: Role): Promise<TestUser & LoggedIn> => {
    const tag = randomUUID().slice(0, 8);
    const user = {
      username: `${role}_${tag}`,
      email: `${role}.${tag}@example.com`,
      password: `Str0ng-Pass-${tag}!`,
    };
    if (role === 'admin') {
      const outcome = await runCreateAdmin(authConfig, user);
      if (!outcome.startsWith('created')) throw new Error(outcome);
    } else {
      admin ??= await userWithRole('admin');
      const res = await request(gateway.url)
        .post('/api/v1/users')
        .set('Authorization', `Bearer ${admin.accessToken}`)
        .send({ ...user, role });
      if (res.status !== 201)
        throw new Error(`create ${role}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const session = await loginAs(gateway.url, user);
    const me = await request(gateway.url)
      .get('/api/v1/users/me')
      .set('Authorization', `Bearer ${session.accessToken}`);
    return { ...user, ...session, id: (me.body as { id: string }).id };
  };
  return {
    gateway: gateway.url,
    auth: auth.url,
    users: users.url,
    logs,
    userWithRole,
    authDatabaseUrl: authDb.url,
    redisKeyPrefix,
    ...(audit ? { audit: { url: audit.url, databaseUrl: audit.databaseUrl } } : {}),
    restartAuth: async (env) => {
      await auth.close();
      auth = await startAuth(
        { ...readAuthConfig({ ...authEnv, ...env }), autoMigrate: true },
        authLog.logger,
      );
    },
    close: async () => {
      await gateway.close();
      await auth.close();
      await users.close();
      await audit?.close();
      for (const db of dbs) await db.drop();
      // Every e2e file checks, for free, that no password or token it used reached a log line.
      const leaked = secretsFoundInLogs(logs, [...usedSecrets]);
      if (leaked.length > 0)
        throw new Error(`${leaked.length} secret(s) used by the tests appear in service logs`);
    },
  };
}

export interface TestUser {
  id: string;
  username: string;
  email: string;
  password: string;
}

/** A fresh, unique user registered through the gateway. */
export async function registerUser(
  gateway: string,
  overrides: Partial<TestUser> = {},
): Promise<TestUser> {
  const tag = randomUUID().slice(0, 8);
  const user = {
    username: overrides.username ?? `user_${tag}`,
    email: overrides.email ?? `person.${tag}@example.com`,
    password: overrides.password ?? `Str0ng-Pass-${tag}!`,
  };
  rememberSecret(user.password);
  const res = await request(gateway).post('/api/v1/auth/register').send(user);
  if (res.status !== 201)
    throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...user, id: (res.body as { id: string }).id };
}

export interface LoggedIn {
  accessToken: string;
  /** `refresh_token=...` ready for a Cookie header. */
  refreshCookie: string;
}

export function refreshCookieOf(res: request.Response): string {
  const cookies = res.headers['set-cookie'] as unknown as string[] | undefined;
  const cookie = cookies?.find((c) => c.startsWith('refresh_token='));
  if (!cookie) throw new Error('no refresh cookie');
  const pair = cookie.split(';')[0] ?? '';
  rememberSecret(pair.slice('refresh_token='.length));
  return pair;
}

export async function loginAs(
  gateway: string,
  user: Pick<TestUser, 'email' | 'password'>,
): Promise<LoggedIn> {
  const res = await request(gateway)
    .post('/api/v1/auth/login')
    .send({ email: user.email, password: user.password });
  if (res.status !== 200)
    throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  rememberSecret(user.password);
  const accessToken = (res.body as { access_token: string }).access_token;
  rememberSecret(accessToken);
  return { accessToken, refreshCookie: refreshCookieOf(res) };
}

const usedSecrets = new Set<string>();

/** A password or token a test used; `close()` fails if any service logged one of them. */
export function rememberSecret(secret: string): void {
  if (secret.length >= 8) usedSecrets.add(secret);
}

export function secretsFoundInLogs(logs: CapturedLogger[], secrets: string[]): string[] {
  const text = logs.map((log) => log.text()).join('\n');
  return secrets.filter((secret) => text.includes(secret));
}

/** audit-service on its own database and its own queues (bound to the shared exchange). */
async function startAudit(
  label: string,
  where: { port: number; jwksUrl: string; usersUrl: string },
) {
  const db = await createTestDatabase(`${label}_audit`);
  const queue = uniqueName(`${label}_audit_q`);
  const deadLetter = uniqueName(`${label}_audit_dlq`);
  const service = await startAuditService(
    readAuditConfig({
      NODE_ENV: 'test',
      AUDIT_PORT: String(where.port),
      DATABASE_URL: db.url,
      AMQP_URL: testUrls.amqp,
      REDIS_URL: testUrls.redis,
      AUDIT_QUEUE: queue,
      AUDIT_DEAD_LETTER_QUEUE: deadLetter,
      AUTH_JWKS_URL: where.jwksUrl,
      USER_SERVICE_URL: where.usersUrl,
      ...GATEWAY_HOP,
    }),
    captureLogger('audit-service').logger,
  );
  return {
    url: service.url,
    databaseUrl: db.url,
    close: async () => {
      await service.close();
      // Durable queues bound to the shared exchange would collect every later run's events.
      const connection = await amqp.connect(testUrls.amqp);
      const channel = await connection.createChannel();
      await channel.deleteQueue(queue).catch(() => undefined);
      await channel.deleteQueue(deadLetter).catch(() => undefined);
      await connection.close();
      await db.drop();
    },
  };
}
