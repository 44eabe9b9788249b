import { randomUUID } from 'node:crypto';

import request from 'supertest';
import amqp from 'amqplib';
import pg from 'pg';

import type { Role } from '@secure-api/shared/auth';
import {
  captureLogger,
  createTestDatabase,
  FAST_ARGON2,
  MailCatcher,
  backendPorts,
  systemEnv,
  testUrls,
  type CapturedLogger,
  type TestDatabase,
  uniqueName,
} from '@secure-api/shared/testing';
import { startServer as startAuditService } from '@secure-api/audit-service/api/server.js';
import { readConfig as readAuditConfig } from '@secure-api/audit-service/config.js';
import { runCreateAdmin } from '@secure-api/auth-service/api/create-admin.js';
import { startServer as startAuth } from '@secure-api/auth-service/api/server.js';
import { readConfig as readAuthConfig } from '@secure-api/auth-service/config.js';
import { startServer as startGateway } from '@secure-api/gateway/api/server.js';
import { readConfig as readGatewayConfig } from '@secure-api/gateway/config.js';
import { startServer as startUsers } from '@secure-api/user-service/api/server.js';
import { readConfig as readUsersConfig } from '@secure-api/user-service/config.js';

// What these tests ask of every service, on top of the system's wiring: test mode, the browser
// origin the CORS tests use, and limits far above what any test sends (the limit tests set theirs).
const TEST_MODE = { NODE_ENV: 'test' };
const CORS_ORIGINS = 'https://app.example.com';
const GENEROUS_LIMITS = {
  RATE_LIMIT_PER_MINUTE: '10000',
  LOGIN_RATE_LIMIT: '10000/minute',
  REGISTER_RATE_LIMIT: '10000/minute',
  REFRESH_RATE_LIMIT: '10000/minute',
  PASSWORD_FORGOT_RATE_LIMIT: '10000/hour',
  ACCOUNT_LINK_RATE_LIMIT: '10000/hour',
};

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
  /** The SMTP server auth-service sends to (real SMTP, in this process). */
  readonly mail: MailCatcher;
  /** An SMTP outage: the server goes away until `startMail()` brings one back on the same port. */
  stopMail(): Promise<void>;
  startMail(): Promise<void>;
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
  const dbs: TestDatabase[] = [
    await createTestDatabase(`${label}_auth`),
    await createTestDatabase(`${label}_users`),
    ...(options.audit ? [await createTestDatabase(`${label}_audit`)] : []),
  ];
  const [authDb, usersDb, auditDb] = dbs as [TestDatabase, TestDatabase, TestDatabase?];
  const env = systemEnv({
    ports: await backendPorts(),
    databases: { auth: authDb.url, users: usersDb.url, audit: auditDb?.url ?? '' },
    redis: testUrls.redis,
    amqp: testUrls.amqp,
    // Brute-force counters, rate-limit counters and the policy mirror are per system: runs never
    // share them.
    redisKeyPrefix: `${label}-${randomUUID().slice(0, 8)}:`,
    auditQueue: uniqueName(`${label}_audit_q`),
  });
  const logs = ['auth-service', 'user-service', 'gateway'].map((name) => captureLogger(name));
  let mail = await MailCatcher.start();
  const mailPort = mail.port;
  // Every catcher this system had: the canary scans look at every mail it ever received.
  const catchers = [mail];
  const [authLog, usersLog, gatewayLog] = logs as [CapturedLogger, CapturedLogger, CapturedLogger];

  const users = await startUsers(
    { ...readUsersConfig({ ...TEST_MODE, ...env.users, ...options.users }), autoMigrate: true },
    usersLog.logger,
  );
  const authEnv = {
    ...TEST_MODE,
    ...env.auth,
    CORS_ORIGINS,
    COOKIE_SECURE: 'true',
    ...FAST_ARGON2,
    SMTP_URL: mail.url,
    // The login limit auth-service publishes in the security policy, which the gateway enforces:
    // generous (the most the policy allows) because these tests log in often from 127.0.0.1.
    LOGIN_RATE_LIMIT: '1000/minute',
    ...options.auth,
  };
  const authConfig = { ...readAuthConfig(authEnv), autoMigrate: true };
  let auth = await startAuth(authConfig, authLog.logger);
  const gateway = await startGateway(
    readGatewayConfig({
      ...TEST_MODE,
      CORS_ORIGINS,
      ...GENEROUS_LIMITS,
      ...env.gateway,
      ...options.gateway,
    }),
    gatewayLog.logger,
  );
  const audit = options.audit ? await startAudit({ ...TEST_MODE, ...env.audit }) : undefined;
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
    redisKeyPrefix: env.auth.REDIS_KEY_PREFIX ?? '',
    ...(audit && auditDb ? { audit: { url: audit.url, databaseUrl: auditDb.url } } : {}),
    get mail() {
      return mail;
    },
    stopMail: () => mail.stop(),
    startMail: async () => {
      mail = await MailCatcher.start({ port: mailPort });
      catchers.push(mail);
    },
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
      for (const catcher of catchers) await catcher.stop();
      // Every link any mail carried: none may be stored in clear, published or audited.
      const mailed = catchers.flatMap((c) => c.messages.flatMap((m) => linkTokensIn(m.text)));
      const stored = [
        await tableText(authDb.url, ['outbox_events', 'mail_outbox', 'account_tokens']),
        ...(auditDb ? [await tableText(auditDb.url, ['audit_events'])] : []),
      ].join('\n');
      for (const db of dbs) await db.drop();
      const storedLinks = mailed.filter((token) => stored.includes(token));
      if (storedLinks.length > 0)
        throw new Error(`${storedLinks.length} mailed link token(s) found stored or in events`);
      // Every e2e file checks, for free, that no password, token or link it used reached a log line.
      const leaked = secretsFoundInLogs(logs, [...usedSecrets, ...mailed]);
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

/** The tokens of every account link in a mail's text. */
export const linkTokensIn = (text: string) =>
  [...text.matchAll(/#token=([A-Za-z0-9_-]{43})/g)].map((m) => m[1] ?? '');

/** Every row of those tables as text (the canary scans of what a system stored). */
async function tableText(databaseUrl: string, tables: string[]): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const parts: string[] = [];
    for (const table of tables) {
      const rows = await client.query(`SELECT * FROM ${table}`);
      parts.push(rows.rows.map((row) => JSON.stringify(row)).join('\n'));
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

/** A password or token a test used; `close()` fails if any service logged one of them. */
export function rememberSecret(secret: string): void {
  if (secret.length >= 8) usedSecrets.add(secret);
}

export function secretsFoundInLogs(logs: CapturedLogger[], secrets: string[]): string[] {
  const text = logs.map((log) => log.text()).join('\n');
  return secrets.filter((secret) => text.includes(secret));
}

/** audit-service on its own queues (bound to the shared exchange), deleted again on close. */
async function startAudit(env: Record<string, string>) {
  const service = await startAuditService(
    readAuditConfig(env),
    captureLogger('audit-service').logger,
  );
  return {
    url: service.url,
    close: async () => {
      await service.close();
      // Durable queues bound to the shared exchange would collect every later run's events.
      const connection = await amqp.connect(testUrls.amqp);
      const channel = await connection.createChannel();
      for (const queue of [env.AUDIT_QUEUE, env.AUDIT_DEAD_LETTER_QUEUE]) {
        if (queue) await channel.deleteQueue(queue).catch(() => undefined);
      }
      await connection.close();
    },
  };
}
