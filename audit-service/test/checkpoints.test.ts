import { generateKeyPairSync } from 'node:crypto';

import { afterAll, describe, expect, it } from '@jest/globals';
import { QueryTypes } from 'sequelize';

import { CheckpointKeys, CheckpointVerifier } from '../src/domain/checkpoint.js';
import { chainHash } from '../src/domain/hash-chain.js';
import { loginSucceeded } from './support/events.js';
import { AuditHarness } from './support/harness.js';
import {
  asSuperuser,
  CHAIN_WRITER_LOCK,
  fullWalk,
  holding,
  storeOneByOne,
} from './support/tamper.js';

interface Checkpoint {
  id: number;
  seq: number;
  hash: string;
  at: string;
  kid: string;
  signature: string;
}

interface Verdict {
  valid: boolean;
  checked: number;
  first_bad_id: string | null;
  from_seq: number;
  checkpoint: Checkpoint | null;
  checkpoint_problem: { id: number; seq: number; reason: string } | null;
}

const VERIFY = '/api/v1/admin/audit/verify';

async function verify(h: AuditHarness): Promise<Verdict> {
  const res = await h.get(VERIFY);
  expect(res.status).toBe(200);
  return res.body as Verdict;
}

async function rowAt(h: AuditHarness, seq: number) {
  const [row] = await h.sql.query<{
    event_id: string;
    hash: string;
    prev_hash: string;
    payload: object;
  }>('SELECT event_id, hash, prev_hash, payload FROM audit_events WHERE seq = :seq', {
    type: QueryTypes.SELECT,
    replacements: { seq },
  });
  return row!;
}

async function checkpointCount(h: AuditHarness): Promise<number> {
  const [row] = await h.sql.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM audit_checkpoints',
    {
      type: QueryTypes.SELECT,
    },
  );
  return row!.n;
}

const insertCheckpoint = (h: AuditHarness, c: Checkpoint) =>
  h.sql.query(
    `INSERT INTO audit_checkpoints (id, seq, hash, at, kid, signature)
      VALUES (:id, :seq, :hash, :at, :kid, :signature)`,
    { replacements: { ...c } },
  );

// One database per case: after a tamper the chain (or its checkpoints) stays broken.
describe('GET /api/v1/admin/audit/verify checks what is new since the last signed checkpoint', () => {
  const harnesses: AuditHarness[] = [];
  const start = async (label: string) => {
    const h = await AuditHarness.start(label);
    harnesses.push(h);
    return h;
  };

  afterAll(async () => {
    await Promise.all(harnesses.map((h) => h.close()));
  });

  it('signs a checkpoint at the head that the exported public key verifies; the next call starts after it', async () => {
    const h = await start('audit_cp_sign');
    await storeOneByOne(h, [loginSucceeded(), loginSucceeded(), loginSucceeded()]);

    await holding(h.sql, CHAIN_WRITER_LOCK, async () => {
      const first = await verify(h);
      const [head] = await h.sql.query<{ seq: string; hash: string }>(
        'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1',
        { type: QueryTypes.SELECT },
      );
      expect(first).toMatchObject({ valid: true, first_bad_id: null, from_seq: 1 });
      expect(first.checked).toBe(Number(head!.seq));
      expect(first.checkpoint).toMatchObject({ id: 1, seq: Number(head!.seq), hash: head!.hash });
      const exported = await h.get('/api/v1/admin/audit/checkpoints');
      const { keys, checkpoints } = exported.body as { keys: never[]; checkpoints: Checkpoint[] };
      expect(checkpoints).toEqual([first.checkpoint]);
      expect(new CheckpointVerifier(keys).verdict(checkpoints[0]!)).toBe('good');

      const second = await verify(h);
      expect(second).toEqual({
        valid: true,
        checked: 0,
        first_bad_id: null,
        from_seq: Number(head!.seq) + 1,
        checkpoint: first.checkpoint,
        checkpoint_problem: null,
      });
    });
  });

  it('a row edited after the checkpoint: reported by the next call, and no checkpoint covers it', async () => {
    const h = await start('audit_cp_after');
    await storeOneByOne(h, [loginSucceeded()]);
    const anchor = (await verify(h)).checkpoint!;
    const later = [loginSucceeded(), loginSucceeded(), loginSucceeded()];
    await storeOneByOne(h, later);
    const victim = later[1]!;

    await asSuperuser(
      h.sql,
      'audit_events',
      `UPDATE audit_events SET payload = jsonb_set(payload, '{outcome}', '"failure"'),
          outcome = 'failure' WHERE event_id = :id`,
      { id: victim.id },
    );
    const after = await verify(h);

    expect(after).toMatchObject({
      valid: false,
      first_bad_id: victim.id,
      from_seq: anchor.seq + 1,
      checkpoint: anchor,
      checkpoint_problem: null,
    });
    expect(await checkpointCount(h)).toBe(1);
  });

  it('a row edited before the checkpoint: the call does not re-read it, the full re-walk reports it', async () => {
    const h = await start('audit_cp_before');
    const events = [loginSucceeded(), loginSucceeded(), loginSucceeded()];
    await storeOneByOne(h, events);
    const anchor = (await verify(h)).checkpoint!;
    const [victim] = await h.rows([events[1]!.id]);

    await asSuperuser(
      h.sql,
      'audit_events',
      `UPDATE audit_events SET payload = jsonb_set(payload, '{outcome}', '"failure"'),
          outcome = 'failure' WHERE event_id = :id`,
      { id: victim!.event_id },
    );
    const incremental = await verify(h);
    const job = await fullWalk(h);

    expect(incremental).toMatchObject({ valid: true, from_seq: anchor.seq + 1 });
    expect(Number(victim!.seq)).toBeLessThanOrEqual(anchor.seq);
    expect(job.state).toBe('done');
    expect(job.checked).toBe(job.total);
    expect(job.result).toMatchObject({
      valid: false,
      first_bad_id: victim!.event_id,
      from_seq: 1,
      checkpoint: null,
      checkpoint_problem: null,
    });
  });

  it('an edited checkpoint row: bad_signature, and nothing is walked from it', async () => {
    const h = await start('audit_cp_edited');
    await storeOneByOne(h, [loginSucceeded(), loginSucceeded()]);
    const anchor = (await verify(h)).checkpoint!;
    const earlier = await rowAt(h, anchor.seq - 1);

    // Moved back one row, hash and all: it still matches a row, but not its signature.
    await asSuperuser(
      h.sql,
      'audit_checkpoints',
      'UPDATE audit_checkpoints SET seq = :seq, hash = :hash WHERE id = :id',
      { seq: anchor.seq - 1, hash: earlier.hash, id: anchor.id },
    );

    expect(await verify(h)).toEqual({
      valid: false,
      checked: 0,
      first_bad_id: null,
      from_seq: anchor.seq,
      checkpoint: null,
      checkpoint_problem: { id: anchor.id, seq: anchor.seq - 1, reason: 'bad_signature' },
    });
  });

  it.each([
    ['with our key id and a made-up signature', 'bad_signature'],
    ['signed with a key of its own', 'unknown_key'],
  ])('a forged checkpoint inserted %s: reported as %s', async (_how, reason) => {
    const h = await start(`audit_cp_forged_${reason}`);
    await storeOneByOne(h, [loginSucceeded()]);
    const anchor = (await verify(h)).checkpoint!;
    await storeOneByOne(h, [loginSucceeded()]);
    const forgedAt = {
      id: anchor.id + 1,
      seq: anchor.seq,
      hash: anchor.hash,
      at: new Date().toISOString(),
    };
    const forged =
      reason === 'unknown_key'
        ? new CheckpointKeys([generateKeyPairSync('ed25519').privateKey]).sign(forgedAt)
        : { ...forgedAt, kid: anchor.kid, signature: Buffer.alloc(64, 7).toString('base64url') };

    await insertCheckpoint(h, forged);

    expect(await verify(h)).toMatchObject({
      valid: false,
      checked: 0,
      checkpoint: null,
      checkpoint_problem: { id: forged.id, seq: anchor.seq, reason },
    });
  });

  it('the tail cut off after a checkpoint: chain_truncated', async () => {
    const h = await start('audit_cp_truncated');
    await storeOneByOne(h, [loginSucceeded(), loginSucceeded(), loginSucceeded()]);

    await holding(h.sql, CHAIN_WRITER_LOCK, async () => {
      const anchor = (await verify(h)).checkpoint!;
      await asSuperuser(h.sql, 'audit_events', 'DELETE FROM audit_events WHERE seq >= :from', {
        from: anchor.seq - 1,
      });

      expect(await verify(h)).toEqual({
        valid: false,
        checked: 0,
        first_bad_id: null,
        from_seq: anchor.seq + 1,
        checkpoint: null,
        checkpoint_problem: { id: anchor.id, seq: anchor.seq, reason: 'chain_truncated' },
      });
    });
  });

  it('the checkpointed row rewritten with a fresh hash: hash_mismatch, naming that row', async () => {
    const h = await start('audit_cp_rehash');
    await storeOneByOne(h, [loginSucceeded(), loginSucceeded()]);

    await holding(h.sql, CHAIN_WRITER_LOCK, async () => {
      const anchor = (await verify(h)).checkpoint!;
      const row = await rowAt(h, anchor.seq);
      const forged = { ...row.payload, outcome: 'failure' };
      await asSuperuser(
        h.sql,
        'audit_events',
        `UPDATE audit_events SET payload = CAST(:payload AS jsonb), outcome = 'failure', hash = :hash
          WHERE seq = :seq`,
        {
          payload: JSON.stringify(forged),
          hash: chainHash(row.prev_hash, forged),
          seq: anchor.seq,
        },
      );

      expect(await verify(h)).toMatchObject({
        valid: false,
        first_bad_id: row.event_id,
        checkpoint_problem: { id: anchor.id, seq: anchor.seq, reason: 'hash_mismatch' },
      });
    });
  });

  it('the newest checkpoint removed: reported as missing; an older one removed: the full re-walk reports the gap', async () => {
    const h = await start('audit_cp_removed');
    await storeOneByOne(h, [loginSucceeded()]);
    const older = (await verify(h)).checkpoint!;
    await storeOneByOne(h, [loginSucceeded()]);
    const newest = (await verify(h)).checkpoint!;
    expect(newest.id).toBe(older.id + 1);

    await asSuperuser(h.sql, 'audit_checkpoints', 'DELETE FROM audit_checkpoints WHERE id = :id', {
      id: newest.id,
    });
    expect(await verify(h)).toMatchObject({
      valid: false,
      checkpoint_problem: { id: newest.id, seq: newest.seq, reason: 'missing' },
    });

    await insertCheckpoint(h, newest);
    await asSuperuser(h.sql, 'audit_checkpoints', 'DELETE FROM audit_checkpoints WHERE id = :id', {
      id: older.id,
    });
    expect(await verify(h)).toMatchObject({ valid: true, checkpoint_problem: null });
    const job = await fullWalk(h);
    expect(job.result).toMatchObject({
      valid: false,
      first_bad_id: null,
      checkpoint_problem: { id: older.id, seq: newest.seq, reason: 'missing' },
    });
  });
});
