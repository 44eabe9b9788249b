import { expect } from '@jest/globals';
import type { Sequelize } from 'sequelize';

import type { AnySecurityEvent } from '@secure-api/shared/events';
import { eventually } from '@secure-api/shared/testing';

import type { AuditHarness } from './harness.js';

// The chain writer's and the full re-walk's advisory locks (audit-event.repository.ts,
// chain.repository.ts): a test holds one to keep other runs' events out, or to fake a busy walk.
export const CHAIN_WRITER_LOCK = 0x61756469;
export const FULL_WALK_LOCK = 0x61756476;

/** Runs `work` while this test's own connection holds an advisory lock. */
export async function holding<T>(sql: Sequelize, key: number, work: () => Promise<T>): Promise<T> {
  return sql.transaction(async (transaction) => {
    await sql.query('SELECT pg_advisory_xact_lock(:key)', { replacements: { key }, transaction });
    return work();
  });
}

/** What a superuser can do: switch a table's append-only guard off, change it, switch it back. */
export async function asSuperuser(
  sql: Sequelize,
  table: 'audit_events' | 'audit_checkpoints',
  statement: string,
  replacements: Record<string, unknown> = {},
): Promise<void> {
  await sql.transaction(async (transaction) => {
    const run = (text: string) => sql.query(text, { replacements, transaction });
    await run(`ALTER TABLE ${table} DISABLE TRIGGER ${table}_append_only`);
    await run(statement);
    await run(`ALTER TABLE ${table} ENABLE TRIGGER ${table}_append_only`);
  });
}

export async function storeOneByOne(h: AuditHarness, events: AnySecurityEvent[]): Promise<void> {
  for (const event of events) await h.publish([event]);
  expect(await h.waitStored(events.map((e) => e.id))).toBe(true);
}

export interface JobBody {
  id: string;
  state: string;
  checked: number;
  total: number;
  result: Record<string, unknown> | null;
}

/** Starts a full re-walk and waits for it to finish; the finished job. */
export async function fullWalk(h: AuditHarness): Promise<JobBody> {
  const started = await h.post('/api/v1/admin/audit/verify/jobs');
  expect(started.status).toBe(202);
  const location = started.headers.location as string;
  expect(location).toBe(`/api/v1/admin/audit/verify/jobs/${(started.body as JobBody).id}`);
  let job = started.body as JobBody;
  expect(
    await eventually(async () => {
      job = (await h.get(location)).body as JobBody;
      return job.state !== 'running';
    }, 20_000),
  ).toBe(true);
  return job;
}
