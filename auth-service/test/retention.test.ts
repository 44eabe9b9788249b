import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Sequelize } from 'sequelize';

import { createCounter, createMetrics } from '@secure-api/shared/lifecycle';
import { captureLogger } from '@secure-api/shared/testing';

import { RetentionPurger } from '../src/data/retention.js';
import { AuthHarness } from './support/harness.js';

const KEEP_DAYS = 30;

describe('retention: dead sessions and used links go, live ones and what reuse detection needs stay', () => {
  let h: AuthHarness;
  let database: Sequelize;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_retention');
    database = new Sequelize(h.db.url, { logging: false });
  });

  afterAll(async () => {
    await database.close();
    await h.close();
  });

  function purger(batchSize = 1000) {
    const metrics = createMetrics('auth-service');
    const purged = createCounter(metrics, {
      name: 'retention_purged_rows_total',
      help: 'test',
      labelNames: ['table'] as const,
    });
    const logger = captureLogger('auth-service').logger;
    return {
      purger: new RetentionPurger(
        { sequelize: database, logger, purged },
        { keepDays: KEEP_DAYS, batchSize },
      ),
      counted: async (table: string) =>
        (await purged.get()).values.find((v) => v.labels.table === table)?.value ?? 0,
    };
  }

  /** A session of the user in the given state, `daysAgo` days past its end, with tokens. */
  async function session(
    userId: string,
    state: { revokedDaysAgo?: number; expiredDaysAgo?: number },
    tokens = 2,
  ): Promise<string> {
    const id = randomUUID();
    await database.query(
      `INSERT INTO sessions (id, user_id, amr, created_at, last_used_at, expires_at, revoked_at)
       VALUES (:id, :userId, ARRAY['pwd'], now() - interval '90 days', now() - interval '60 days',
               now() - :expired * interval '1 day',
               CASE WHEN :revoked::int IS NULL THEN NULL ELSE now() - :revoked * interval '1 day' END)`,
      {
        replacements: {
          id,
          userId,
          expired: state.expiredDaysAgo ?? -10,
          revoked: state.revokedDaysAgo ?? null,
        },
      },
    );
    for (let i = 0; i < tokens; i += 1) {
      await database.query(
        `INSERT INTO refresh_tokens (id, session_id, token_hash, created_at, expires_at, rotated_at)
         VALUES (:token, :id, :hash, now(), now(), now())`,
        {
          replacements: {
            token: randomUUID(),
            id,
            hash: randomUUID().replaceAll('-', '').padEnd(64, '0'),
          },
        },
      );
    }
    return id;
  }

  async function link(userId: string, state: { usedDaysAgo?: number; expiresInDays: number }) {
    const id = randomUUID();
    await database.query(
      `INSERT INTO account_tokens (id, user_id, purpose, token_hash, email, created_at, expires_at, used_at)
       VALUES (:id, :userId, 'email_change_cancel', :hash, 'old@example.com', now(),
               now() + :expires * interval '1 day',
               CASE WHEN :used::int IS NULL THEN NULL ELSE now() - :used * interval '1 day' END)`,
      {
        replacements: {
          id,
          userId,
          hash: randomUUID().replaceAll('-', '').padEnd(64, '0'),
          expires: state.expiresInDays,
          used: state.usedDaysAgo ?? null,
        },
      },
    );
    return id;
  }

  const exists = async (table: string, id: string) =>
    (await h.sql(`SELECT 1 FROM ${table} WHERE id = :id`, { id })).length === 1;

  it('deletes sessions revoked or expired over RETENTION_DAYS ago with their tokens, and dead links; keeps the rest', async () => {
    const user = await h.register();
    const live = await h.loginAs(user);
    const liveWithRotations = await session(user.id, {}, 5);
    const revokedLongAgo = await session(user.id, { revokedDaysAgo: 40 });
    const expiredLongAgo = await session(user.id, { expiredDaysAgo: 45 });
    const revokedLately = await session(user.id, { revokedDaysAgo: 5 });
    const usedLongAgo = await link(user.id, { usedDaysAgo: 40, expiresInDays: -39 });
    const expiredLinkLongAgo = await link(user.id, { expiresInDays: -31 });
    const liveCancelLink = await link(user.id, { expiresInDays: 7 });
    const { purger: p, counted } = purger();

    const purged = await p.purgeOnce();

    expect(purged).toEqual({ sessions: 2, refresh_tokens: 4, account_tokens: 2 });
    for (const id of [revokedLongAgo, expiredLongAgo])
      expect(await exists('sessions', id)).toBe(false);
    for (const id of [liveWithRotations, revokedLately])
      expect(await exists('sessions', id)).toBe(true);
    // Every rotated token of a live family stays: a replay of any of them is still reuse.
    const kept = await h.sql<{ n: string }>(
      'SELECT count(*) AS n FROM refresh_tokens WHERE session_id = :id',
      { id: liveWithRotations },
    );
    expect(kept[0]?.n).toBe('5');
    for (const id of [usedLongAgo, expiredLinkLongAgo])
      expect(await exists('account_tokens', id)).toBe(false);
    expect(await exists('account_tokens', liveCancelLink)).toBe(true);
    expect(await counted('sessions')).toBe(2);
    expect(await counted('refresh_tokens')).toBe(4);
    expect(await counted('account_tokens')).toBe(2);
    // The user's own session was never touched: its refresh cookie still works.
    const refreshed = await h.api.post('/api/v1/auth/refresh').set('Cookie', live.refreshCookie);
    expect(refreshed.status).toBe(200);
  });

  it('two replicas purging at once split the dead rows between them, each deleted once, none blocked', async () => {
    const user = await h.register();
    const dead = await Promise.all(
      Array.from({ length: 6 }, () => session(user.id, { revokedDaysAgo: 60 }, 1)),
    );
    const [one, two] = [purger(2).purger, purger(2).purger];

    const rounds = await Promise.all([
      one.purgeOnce(),
      two.purgeOnce(),
      one.purgeOnce(),
      two.purgeOnce(),
    ]);

    const sessions = rounds.reduce((sum, r) => sum + r.sessions, 0);
    expect(sessions).toBe(6);
    for (const id of dead) expect(await exists('sessions', id)).toBe(false);
  });
});
