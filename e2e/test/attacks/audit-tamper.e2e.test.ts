import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';

import { eventually } from '@secure-api/shared/testing';

import { startSystem, type LoggedIn, type System, type TestUser } from '../../support/system.js';

interface Anchor {
  id: number;
  seq: number;
}

const bearer = (token: string) => `Bearer ${token}`;

/** What a superuser of the audit database can do: switch a guard off, change rows, switch it on. */
async function asSuperuser(
  databaseUrl: string,
  table: string,
  statement: string,
  values: unknown[],
) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`ALTER TABLE ${table} DISABLE TRIGGER ${table}_append_only`);
    await client.query(statement, values);
    await client.query(`ALTER TABLE ${table} ENABLE TRIGGER ${table}_append_only`);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

describe('tampering with the audit trail, seen through the gateway', () => {
  let system: System;
  let admin: TestUser & LoggedIn;
  let user: TestUser & LoggedIn;

  beforeAll(async () => {
    system = await startSystem('attack_audit_tamper', { audit: true });
    admin = await system.userWithRole('admin');
    user = await system.userWithRole('user');
  });

  afterAll(async () => {
    await system.close();
  });

  const get = (path: string, who: LoggedIn = admin) =>
    request(system.gateway).get(path).set('Authorization', bearer(who.accessToken));

  it('a row edited after the last checkpoint, then the checkpoint itself: each reported exactly', async () => {
    // The logins above are audited: wait until the chain holds them, then checkpoint it.
    expect(
      await eventually(
        async () =>
          ((await get('/api/v1/admin/audit/verify')).body as { checked: number }).checked > 0,
      ),
    ).toBe(true);
    const anchor = ((await get('/api/v1/admin/audit/verify')).body as { checkpoint: Anchor })
      .checkpoint;
    await system.userWithRole('user'); // more audited events after the checkpoint
    const databaseUrl = system.audit!.databaseUrl;
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    let victim = '';
    expect(
      await eventually(async () => {
        const rows = await client.query<{ event_id: string }>(
          'SELECT event_id FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT 1',
          [anchor.seq],
        );
        victim = rows.rows[0]?.event_id ?? '';
        return victim !== '';
      }),
    ).toBe(true);
    await client.end();

    await asSuperuser(
      databaseUrl,
      'audit_events',
      // The victim may be any event on the shared broker, a failure already: flip its outcome, so
      // the edit always changes what was hashed.
      `UPDATE audit_events
          SET outcome = CASE outcome WHEN 'failure' THEN 'success' ELSE 'failure' END,
              payload = jsonb_set(payload, '{outcome}',
                to_jsonb(CASE outcome WHEN 'failure' THEN 'success' ELSE 'failure' END))
        WHERE event_id = $1`,
      [victim],
    );
    const edited = await get('/api/v1/admin/audit/verify');
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      valid: false,
      first_bad_id: victim,
      checkpoint: { id: anchor.id, seq: anchor.seq },
      checkpoint_problem: null,
    });

    await asSuperuser(
      databaseUrl,
      'audit_checkpoints',
      'UPDATE audit_checkpoints SET seq = seq - 1 WHERE id = $1',
      [anchor.id],
    );
    expect((await get('/api/v1/admin/audit/verify')).body).toMatchObject({
      valid: false,
      checked: 0,
      checkpoint: null,
      checkpoint_problem: { id: anchor.id, seq: anchor.seq - 1, reason: 'bad_signature' },
    });

    // The full re-walk, started and followed through the gateway, finds both.
    const started = await request(system.gateway)
      .post('/api/v1/admin/audit/verify/jobs')
      .set('Authorization', bearer(admin.accessToken));
    expect(started.status).toBe(202);
    let job = started.body as { state: string; result: unknown };
    expect(
      await eventually(async () => {
        job = (await get(started.headers.location as string)).body as typeof job;
        return job.state !== 'running';
      }),
    ).toBe(true);
    expect(job).toMatchObject({
      state: 'done',
      result: {
        valid: false,
        first_bad_id: victim,
        checkpoint_problem: { id: anchor.id, reason: 'bad_signature' },
      },
    });
  });

  it('a user may neither verify, start a re-walk, nor export: 403 at the gateway', async () => {
    for (const path of [
      '/api/v1/admin/audit/verify',
      '/api/v1/admin/audit/checkpoints',
      '/api/v1/admin/audit/chain',
    ]) {
      expect((await get(path, user)).status).toBe(403);
    }
    const start = await request(system.gateway)
      .post('/api/v1/admin/audit/verify/jobs')
      .set('Authorization', bearer(user.accessToken));
    expect(start.status).toBe(403);
  });
});
