import { randomUUID } from 'node:crypto';

import { afterAll, describe, expect, it } from '@jest/globals';
import { QueryTypes } from 'sequelize';

import type { AnySecurityEvent } from '@secure-api/shared/events';

import { chainHash } from '../src/domain/hash-chain.js';
import { loginSucceeded, roleChanged } from './support/events.js';
import { AuditHarness } from './support/harness.js';
import { fullWalk } from './support/tamper.js';

/** What a superuser can do: switch the guard off, edit, switch it back on. */
async function bypassGuard(h: AuditHarness, statement: string, id: string): Promise<void> {
  await h.sql.transaction(async (transaction) => {
    const run = (sql: string) => h.sql.query(sql, { replacements: { id }, transaction });
    await run('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    await run(statement);
    await run('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
  });
}

async function storeOneByOne(h: AuditHarness, events: AnySecurityEvent[]): Promise<void> {
  for (const event of events) await h.publish([event]);
  expect(await h.waitStored(events.map((e) => e.id))).toBe(true);
}

// One database per case: after a tamper the chain stays broken, and verify names the first bad row.
// Without a checkpoint yet, GET /verify walks from genesis; after one, the full re-walk does.
describe('GET /api/v1/admin/audit/verify after a superuser bypassed the guard', () => {
  const harnesses: AuditHarness[] = [];
  const start = async (label: string) => {
    const h = await AuditHarness.start(label);
    harnesses.push(h);
    return h;
  };

  afterAll(async () => {
    await Promise.all(harnesses.map((h) => h.close()));
  });

  it('an edited payload, after a full re-walk found the chain whole: the next full re-walk names that row', async () => {
    const h = await start('audit_tamper_payload');
    const events = Array.from({ length: 5 }, () => loginSucceeded());
    await storeOneByOne(h, events);
    const before = await fullWalk(h);
    expect(before.result).toMatchObject({ valid: true, first_bad_id: null });
    const victim = events[2]!;

    await bypassGuard(
      h,
      `UPDATE audit_events
          SET payload = jsonb_set(payload, '{outcome}', '"failure"'), outcome = 'failure'
        WHERE event_id = :id`,
      victim.id,
    );
    const after = await fullWalk(h);

    expect(after.result).toMatchObject({ valid: false, first_bad_id: victim.id });
    // Other runs' events may have arrived in between: the walk covers at least as many rows.
    expect(after.checked).toBeGreaterThanOrEqual(before.checked);
  });

  it('an edited payload with its own hash recomputed: the next row no longer links to it', async () => {
    const h = await start('audit_tamper_rehash');
    const events = Array.from({ length: 3 }, () => loginSucceeded());
    await storeOneByOne(h, events);
    const [victim] = await h.rows([events[0]!.id]);
    const forged = { ...victim!.payload, outcome: 'failure' };

    await h.sql.transaction(async (transaction) => {
      const run = (sql: string, replacements: Record<string, unknown> = {}) =>
        h.sql.query(sql, { replacements, transaction });
      await run('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
      await run(
        `UPDATE audit_events SET payload = CAST(:payload AS jsonb), outcome = 'failure', hash = :hash
          WHERE event_id = :id`,
        {
          payload: JSON.stringify(forged),
          hash: chainHash(victim!.prev_hash, forged),
          id: victim!.event_id,
        },
      );
      await run('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    });
    const [next] = await h.sql.query<{ event_id: string }>(
      'SELECT event_id FROM audit_events WHERE seq > :seq ORDER BY seq LIMIT 1',
      { type: QueryTypes.SELECT, replacements: { seq: victim!.seq } },
    );
    const res = await h.get('/api/v1/admin/audit/verify');

    expect(res.body).toMatchObject({ valid: false, first_bad_id: next!.event_id });
  });

  it('a removed row: the row after the gap is reported', async () => {
    const h = await start('audit_tamper_delete');
    const events = Array.from({ length: 3 }, () => loginSucceeded());
    await storeOneByOne(h, events);
    const [removed] = await h.rows([events[1]!.id]);

    await bypassGuard(h, 'DELETE FROM audit_events WHERE event_id = :id', removed!.event_id);
    const [next] = await h.sql.query<{ event_id: string }>(
      'SELECT event_id FROM audit_events WHERE seq > :seq ORDER BY seq LIMIT 1',
      { type: QueryTypes.SELECT, replacements: { seq: removed!.seq } },
    );
    const res = await h.get('/api/v1/admin/audit/verify');

    expect(res.body).toMatchObject({ valid: false, first_bad_id: next!.event_id });
  });

  it('an indexed column changed to hide an event from queries: that row is reported', async () => {
    const h = await start('audit_tamper_column');
    const event = roleChanged(randomUUID(), randomUUID());
    await storeOneByOne(h, [event]);

    await bypassGuard(
      h,
      'UPDATE audit_events SET subject_user_id = gen_random_uuid() WHERE event_id = :id',
      event.id,
    );
    const res = await h.get('/api/v1/admin/audit/verify');

    expect(res.body).toMatchObject({ valid: false, first_bad_id: event.id });
  });
});
