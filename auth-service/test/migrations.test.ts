import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { QueryTypes } from 'sequelize';

import { createSequelize, runMigrations } from '@secure-api/shared/data';
import { captureLogger, createTestDatabase, type TestDatabase } from '@secure-api/shared/testing';

import { MIGRATION_TABLE, migrations } from '../src/data/migrations/index.js';

// A database as the release before last_login_at left it, then this release's migrations on it:
// an account that had logged in must not look like one that never did (its next new browser
// would go unalerted).
describe('migration 0010: credentials.last_login_at', () => {
  let db: TestDatabase;
  const withSession = randomUUID();
  const neverLoggedIn = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase('auth_migration_0010');
    const sequelize = createSequelize(db.url);
    const logger = captureLogger('migrate').logger;
    const before = migrations.filter((m) => m.name < '0010');
    await runMigrations(sequelize, before, { tableName: MIGRATION_TABLE, logger });
    for (const id of [withSession, neverLoggedIn]) {
      await sequelize.query(
        `INSERT INTO credentials (user_id, email, password_hash, password_changed_at, created_at, updated_at)
         VALUES (:id, :email, 'x', now(), now(), now())`,
        { replacements: { id, email: `${id}@example.com` } },
      );
    }
    for (const days of [40, 3]) {
      await sequelize.query(
        `INSERT INTO sessions (id, user_id, amr, created_at, last_used_at, expires_at)
         VALUES (:id, :user, ARRAY['pwd'], now() - :days * interval '1 day', now(), now())`,
        { replacements: { id: randomUUID(), user: withSession, days } },
      );
    }
    await runMigrations(sequelize, migrations, { tableName: MIGRATION_TABLE, logger });
    await sequelize.close();
  });

  afterAll(async () => {
    await db.drop();
  });

  it('keeps the time of the newest session as the last login, and none where there was none', async () => {
    const sequelize = createSequelize(db.url);
    const rows = await sequelize.query<{ user_id: string; days: number | null }>(
      `SELECT user_id, round(extract(epoch FROM now() - last_login_at) / 86400)::int AS days
         FROM credentials`,
      { type: QueryTypes.SELECT },
    );
    await sequelize.close();

    expect(Object.fromEntries(rows.map((r) => [r.user_id, r.days]))).toEqual({
      [withSession]: 3,
      [neverLoggedIn]: null,
    });
  });
});
