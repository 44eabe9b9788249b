import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';

import { expect } from '@jest/globals';
import request from 'supertest';

import type { Role } from '@secure-api/shared/auth';
import { connectRedis, createRedis, type Redis } from '@secure-api/shared/redis';
import {
  captureLogger,
  createTestDatabase,
  testUrls,
  TestTokenIssuer,
  type CapturedLogger,
  type TestDatabase,
} from '@secure-api/shared/testing';

import { startServer, type RunningUserService } from '../../src/api/server.js';
import { readConfig } from '../../src/config.js';
import { FakeAuthService } from './fake-auth-service.js';

export const USER_KEYS = [
  'created_at',
  'email',
  'email_verified',
  'full_name',
  'id',
  'is_active',
  'role',
  'username',
];

/** What another service reads over /internal/users: the public user and the alert setting. */
export const PROFILE_KEYS = [...USER_KEYS, 'sign_in_alerts'].sort();

export interface TestUser {
  id: string;
  username: string;
  email: string;
  email_verified: boolean;
  full_name: string | null;
  role: Role;
  is_active: boolean;
  created_at: string;
}

export interface TestProfile extends TestUser {
  sign_in_alerts: boolean;
}

/** The public user object inside an internal profile. */
export function publicOf(profile: TestProfile): TestUser {
  const user: Partial<TestProfile> = { ...profile };
  delete user.sign_in_alerts;
  return user as TestUser;
}

export interface Member {
  user: TestUser;
  /** A fresh access token for this user, with their role. */
  token: string;
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

export function unique(label: string): string {
  return `${label}_${randomBytes(5).toString('hex')}`;
}

/** Exactly the public user object: no hash, secret, updated_at or anything else. */
export function expectUserObject(body: unknown): asserts body is TestUser {
  const user = body as Record<string, unknown>;
  expect(Object.keys(user).sort()).toEqual(USER_KEYS);
  expect(new Date(user.created_at as string).toISOString()).toBe(user.created_at);
}

/** Exactly the internal profile: the public user object and sign_in_alerts, nothing else. */
export function expectProfileObject(body: unknown): asserts body is TestProfile {
  const profile = body as Record<string, unknown>;
  expect(Object.keys(profile).sort()).toEqual(PROFILE_KEYS);
  expect(typeof profile.sign_in_alerts).toBe('boolean');
  expect(new Date(profile.created_at as string).toISOString()).toBe(profile.created_at);
}

export function expectProblem(res: request.Response, status: number, detail?: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.body as { status: number; detail: string };
  expect(body.status).toBe(status);
  if (detail !== undefined) expect(body.detail).toBe(detail);
}

export function fieldErrors(res: request.Response): string[] {
  return ((res.body as { errors?: { field: string }[] }).errors ?? []).map((e) => e.field);
}

/** One user-service on its own database, a token issuer with a JWKS, and a fake auth-service. */
export class Harness {
  private constructor(
    readonly db: TestDatabase,
    readonly issuer: TestTokenIssuer,
    readonly auth: FakeAuthService,
    readonly service: RunningUserService,
    readonly redis: Redis,
    readonly logs: CapturedLogger,
  ) {}

  static async start(label: string): Promise<Harness> {
    const db = await createTestDatabase(label);
    const issuer = await TestTokenIssuer.start();
    const auth = await FakeAuthService.start();
    const logs = captureLogger('user-service');
    const service = await Harness.startService(db.url, issuer.jwksUrl, auth.url, logs);
    const redis = createRedis(testUrls.redis, logs.logger);
    await connectRedis(redis);
    return new Harness(db, issuer, auth, service, redis, logs);
  }

  static startService(
    databaseUrl: string,
    jwksUrl: string,
    authServiceUrl: string,
    logs: CapturedLogger,
    redisUrl = testUrls.redis,
  ): Promise<RunningUserService> {
    const config = readConfig({
      NODE_ENV: 'test',
      USERS_PORT: '0',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      AMQP_URL: testUrls.amqp,
      AUTH_JWKS_URL: jwksUrl,
      AUTH_SERVICE_URL: authServiceUrl,
      AUTH_SERVICE_TIMEOUT_MS: '2000',
      // The tests stand where the gateway stands: their X-Forwarded-For is believed.
      TRUSTED_PROXIES: '127.0.0.1/32',
    });
    return startServer({ ...config, autoMigrate: true }, logs.logger);
  }

  /** A second user-service on this harness's database whose auth-service cannot be reached. */
  async startWithoutAuthService(): Promise<RunningUserService> {
    return Harness.startService(
      this.db.url,
      this.issuer.jwksUrl,
      `http://127.0.0.1:${await closedPort()}`,
      captureLogger('user-service'),
    );
  }

  get url(): string {
    return this.service.url;
  }

  async close(): Promise<void> {
    await this.service.close();
    this.redis.disconnect();
    await this.auth.close();
    await this.issuer.close();
    await this.db.drop();
  }

  /** Creates a profile through the internal route (as auth-service would) and a token for it. */
  async member(role: Role, overrides: Partial<TestUser> = {}): Promise<Member> {
    const name = unique(role);
    const res = await request(this.url)
      .post('/internal/users')
      .set('Authorization', `Bearer ${await this.issuer.serviceToken()}`)
      .send({
        id: randomUUID(),
        username: name,
        email: `${name}@example.com`,
        full_name: `Test ${role}`,
        role,
        ...overrides,
      });
    expect(res.status).toBe(201);
    const user = publicOf(res.body as TestProfile);
    return { user, token: await this.issuer.accessToken({ sub: user.id, role }) };
  }

  async revokedBefore(userId: string): Promise<string | null> {
    return this.redis.get(`revoked-before:${userId}`);
  }
}
