import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { createSequelize, runMigrations } from '@secure-api/shared/data';
import {
  captureLogger,
  createTestDatabase,
  TestTokenIssuer,
  type TestDatabase,
} from '@secure-api/shared/testing';

import type { RunningUserService } from '../src/api/server.js';
import { MIGRATION_TABLE, migrations } from '../src/data/migrations/index.js';
import { closedPort, Harness, unique } from './support/harness.js';

// A database as the release before email verification left it, with one profile in it, then the
// service of this release started on it: what its migration does to rows that already exist.
describe('migration 0004: email_verified and sign_in_alerts', () => {
  let db: TestDatabase;
  let issuer: TestTokenIssuer;
  let service: RunningUserService;
  const existing = { id: randomUUID(), name: unique('before') };

  beforeAll(async () => {
    db = await createTestDatabase('users_migration_0004');
    issuer = await TestTokenIssuer.start();
    const old = createSequelize(db.url);
    const logger = captureLogger('migrate').logger;
    const before = migrations.filter((m) => m.name < '0004');
    expect(before.map((m) => m.name)).toEqual([
      '0001-create-users',
      '0002-user-constraints',
      '0003-create-outbox',
    ]);
    await runMigrations(old, before, { tableName: MIGRATION_TABLE, logger });
    await old.close();
    await insertProfile(db.url, existing);
    service = await Harness.startService(
      db.url,
      issuer.jwksUrl,
      `http://127.0.0.1:${await closedPort()}`,
      captureLogger('user-service'),
    );
  });

  afterAll(async () => {
    await service.close();
    await issuer.close();
    await db.drop();
  });

  const asService = async () => `Bearer ${await issuer.serviceToken()}`;

  it('a profile that existed before counts as verified, with alerts on', async () => {
    const res = await request(service.url)
      .get(`/internal/users/${existing.id}`)
      .set('Authorization', await asService());

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: existing.id,
      email_verified: true,
      sign_in_alerts: true,
    });
  });

  it('a row written after it without naming the columns starts unverified, with alerts on', async () => {
    const after = { id: randomUUID(), name: unique('after') };
    await insertProfile(db.url, after);

    const res = await request(service.url)
      .get(`/internal/users/${after.id}`)
      .set('Authorization', await asService());

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: after.id, email_verified: false, sign_in_alerts: true });
  });
});

/** A profile row as 0001-0003 knew it: no email_verified, no sign_in_alerts. */
async function insertProfile(url: string, row: { id: string; name: string }): Promise<void> {
  const sequelize = createSequelize(url);
  try {
    await sequelize.query(
      `INSERT INTO users (id, username, email, full_name, role, is_active, created_at, updated_at)
        VALUES (:id, :name, :email, NULL, 'user', true, now(), now())`,
      { replacements: { ...row, email: `${row.name}@example.com` } },
    );
  } finally {
    await sequelize.close();
  }
}
