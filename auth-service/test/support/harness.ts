import { randomUUID } from 'node:crypto';

import { expect } from '@jest/globals';
import { QueryTypes, Sequelize } from 'sequelize';
import request from 'supertest';

import {
  captureLogger,
  createTestDatabase,
  MailCatcher,
  testUrls,
  type CapturedLogger,
  type TestDatabase,
} from '@secure-api/shared/testing';

import { runCreateAdmin } from '../../src/api/create-admin.js';
import { startServer, type RunningAuthService } from '../../src/api/server.js';
import { readConfig, type Config } from '../../src/config.js';
import { FakeUserService } from './fake-user-service.js';

export interface TestUser {
  id: string;
  username: string;
  email: string;
  password: string;
}

export interface LoggedIn {
  accessToken: string;
  /** `refresh_token=...`, ready for a Cookie header. */
  refreshCookie: string;
}

/** The tokens of every account link in a mail's text. */
export const linkTokensIn = (text: string) =>
  [...text.matchAll(/#token=([A-Za-z0-9_-]{43})/g)].map((m) => m[1] ?? '');

/** A random private address: each test's per-address counters are its own. */
export const randomIp = () =>
  `10.${[250, 250, 250].map((n) => String(Math.floor(Math.random() * n) + 1)).join('.')}`;

export function expectProblem(res: request.Response, status: number, detail: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect((res.body as { detail: string }).detail).toBe(detail);
}

/** A response as a client compares two of them: only the request id differs between calls. */
export const asSeen = (res: request.Response) => ({
  ...(res.body as object),
  request_id: undefined,
});

/** The `refresh_token=...` pair a response set, or undefined. */
export function refreshCookieOf(res: request.Response): string | undefined {
  const cookies = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  return cookies.find((c) => c.startsWith('refresh_token='))?.split(';')[0];
}

/**
 * One auth-service in this process on its own database and Redis key prefix, against real
 * PostgreSQL, Redis and RabbitMQ, with a fake user-service. Argon2 is lowered to keep the suite
 * fast; the protections under test (lockout, reuse detection, code limits) keep their defaults.
 */
export class AuthHarness {
  /** Every password, token and key a test used: none may appear in a log line. */
  private readonly secrets = new Set<string>();
  /** The catchers stopped by mailOutage: their mail still counts for leakedSecrets. */
  private readonly earlierMail: MailCatcher[] = [];
  private database: Sequelize | undefined;

  private constructor(
    readonly config: Config,
    readonly db: TestDatabase,
    readonly users: FakeUserService,
    readonly service: RunningAuthService,
    readonly logs: CapturedLogger,
    /** A real SMTP server: every message auth-service sends arrives here. */
    public mail: MailCatcher,
  ) {}

  static async start(label: string, env: Record<string, string> = {}): Promise<AuthHarness> {
    const db = await createTestDatabase(label);
    const users = await FakeUserService.start();
    const logs = captureLogger('auth-service');
    const mail = await MailCatcher.start();
    const config: Config = readConfig({
      NODE_ENV: 'test',
      AUTH_PORT: '0',
      DATABASE_URL: db.url,
      REDIS_URL: testUrls.redis,
      AMQP_URL: testUrls.amqp,
      USER_SERVICE_URL: users.url,
      REDIS_KEY_PREFIX: `${label}-${randomUUID().slice(0, 8)}:`,
      ARGON2_TIME_COST: '2',
      ARGON2_MEMORY_COST: '8192',
      ARGON2_PARALLELISM: '1',
      // The tests stand where the gateway stands: their X-Forwarded-For is believed.
      TRUSTED_PROXIES: '127.0.0.1/32,::1/128',
      AUTO_MIGRATE: 'true',
      SMTP_URL: mail.url,
      ...env,
    });
    const service = await startServer(config, logs.logger);
    return new AuthHarness(config, db, users, service, logs, mail);
  }

  get api() {
    return request(this.service.url);
  }

  remember(...secrets: string[]): void {
    for (const secret of secrets) if (secret.length >= 8) this.secrets.add(secret);
  }

  /**
   * The remembered secrets some log line carries; empty when nothing leaked. Every link token of
   * every mail received so far counts as remembered.
   */
  leakedSecrets(): string[] {
    const text = this.logs.text();
    const mailed = [...this.earlierMail, this.mail]
      .flatMap((catcher) => catcher.messages)
      .flatMap((m) => linkTokensIn(m.text));
    return [...this.secrets, ...mailed].filter((secret) => text.includes(secret));
  }

  async register(): Promise<TestUser> {
    const tag = randomUUID().slice(0, 8);
    const user = {
      username: `user_${tag}`,
      email: `person.${tag}@example.com`,
      password: `Str0ng-Pass-${tag}!`,
    };
    this.remember(user.password);
    const res = await this.api.post('/api/v1/auth/register').send(user);
    expect(res.status).toBe(201);
    return { ...user, id: (res.body as { id: string }).id };
  }

  login(email: string, password: string, ip = randomIp()) {
    return this.api.post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ email, password });
  }

  async loginAs(user: TestUser): Promise<LoggedIn> {
    const res = await this.login(user.email, user.password);
    expect(res.status).toBe(200);
    const accessToken = (res.body as { access_token: string }).access_token;
    const refreshCookie = refreshCookieOf(res) ?? '';
    this.remember(accessToken, refreshCookie.slice('refresh_token='.length));
    return { accessToken, refreshCookie };
  }

  /** A statement against the service's own database, for what no route shows or can do. */
  async sql<T extends object>(query: string, replacements: Record<string, unknown> = {}) {
    this.database ??= new Sequelize(this.db.url, { logging: false });
    return this.database.query<T>(query, { type: QueryTypes.SELECT, replacements });
  }

  /**
   * Stops the SMTP server (an outage: the port refuses connections); the returned function starts
   * a new one on the same port, which becomes `mail`.
   */
  async mailOutage(): Promise<() => Promise<void>> {
    const { port } = this.mail;
    await this.mail.stop();
    this.earlierMail.push(this.mail);
    return async () => {
      this.mail = await MailCatcher.start({ port });
    };
  }

  /** An admin made with the CLI (verified, no mail), logged in: its bearer token. */
  async adminToken(): Promise<string> {
    const tag = randomUUID().slice(0, 8);
    const admin = { email: `admin.${tag}@example.com`, password: `Adm1n-Pass-${tag}!` };
    this.remember(admin.password);
    expect(await runCreateAdmin(this.config, admin)).toMatch(/^created admin /);
    const res = await this.login(admin.email, admin.password);
    expect(res.status).toBe(200);
    const token = (res.body as { access_token: string }).access_token;
    this.remember(token);
    return token;
  }

  forgot(email: string) {
    return this.api.post('/api/v1/auth/password/forgot').send({ email });
  }

  async close(): Promise<void> {
    await this.database?.close();
    await this.service.close();
    await this.users.close();
    await this.mail.stop();
    await this.db.drop();
  }
}
