// Item 8's figures (`npm run bench:audit-verify`, or `npm run bench -- --audit-verify`): audit
// chain verification at scale. Loads `events` (default 1,000,000) chained events into a throwaway
// database, hashed in Node by the service's own hash-chain code, then times, in this process
// (wall and CPU):
//   before       the old verify: one synchronous walk of the whole chain (what GET /verify did)
//   full         the full re-walk job (every row and checkpoint, progress written per batch)
//   incremental  GET /verify's use case after the job's checkpoint, with 0 and 1,000 new events
// The database is dropped at the end. Needs this checkout's audit-service built.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import pg from 'pg';

import { openDatabase } from '@secure-api/shared/data';
import { createEvent } from '@secure-api/shared/events';
import { createLogger } from '@secure-api/shared/logging';

import { AuditEventRepository } from '../../audit-service/dist/data/audit-event.repository.js';
import { ChainRepository } from '../../audit-service/dist/data/chain.repository.js';
import { MIGRATION_TABLE, migrations } from '../../audit-service/dist/data/migrations/index.js';
import { VerifyJobRepository } from '../../audit-service/dist/data/verify-job.repository.js';
import { IncrementalVerification } from '../../audit-service/dist/domain/chain-verification.use-case.js';
import {
  CheckpointKeys,
  developmentCheckpointKey,
} from '../../audit-service/dist/domain/checkpoint.js';
import { FullWalks } from '../../audit-service/dist/domain/full-walk.use-case.js';
import { indexedFieldsOf } from '../../audit-service/dist/domain/audit-event.js';
import {
  ChainVerifier,
  extendChain,
  GENESIS_HASH,
} from '../../audit-service/dist/domain/hash-chain.js';

import { urls } from './stack.mjs';

const BATCH = 5000;

// One event validated by the real schema; the rest are copies with their own ids (validating a
// million envelopes would time zod, not the chain).
const template = createEvent('auth.login.succeeded', {
  source: 'auth-service',
  outcome: 'success',
  request_id: 'bench-req-00000000',
  actor: { user_id: randomUUID(), ip: '203.0.113.9', user_agent: 'bench/1.0' },
  subject: { user_id: randomUUID(), session_id: randomUUID() },
  data: { amr: ['pwd'] },
});

function event(i) {
  const user = randomUUID();
  return {
    ...template,
    id: randomUUID(),
    request_id: `bench-req-${String(i).padStart(8, '0')}`,
    actor: { ...template.actor, user_id: user },
    subject: { ...template.subject, user_id: user },
  };
}

/** Appends `count` events after `head` with one multi-row INSERT (unnest) per batch. */
async function load(client, head, count, log) {
  for (let done = 0; done < count; done += BATCH) {
    const events = Array.from({ length: Math.min(BATCH, count - done) }, (_, i) =>
      event(head.seq + i + 1),
    );
    const links = extendChain(head, events);
    const cols = Array.from({ length: 12 }, () => []);
    for (const { event: e, seq, prevHash, hash } of links) {
      const f = indexedFieldsOf(e);
      const values = [
        seq,
        f.event_id,
        f.type,
        e.occurred_at,
        f.actor_user_id,
        f.subject_user_id,
        f.request_id,
        f.outcome,
        f.source,
        JSON.stringify(e),
        prevHash,
        hash,
      ];
      cols.forEach((col, k) => col.push(values.at(k)));
    }
    await client.query(
      `INSERT INTO audit_events (seq, event_id, type, occurred_at, actor_user_id, subject_user_id,
         request_id, outcome, source, payload, prev_hash, hash, stored_at)
       SELECT *, now() FROM unnest($1::bigint[], $2::uuid[], $3::varchar[], $4::timestamptz[],
         $5::uuid[], $6::uuid[], $7::varchar[], $8::varchar[], $9::varchar[], $10::jsonb[],
         $11::varchar[], $12::varchar[])`,
      cols,
    );
    const last = links.at(-1);
    head = { seq: last.seq, hash: last.hash };
    if ((done / BATCH) % 40 === 0) log(`audit verify: loaded ${head.seq}`);
  }
  return head;
}

async function timed(work) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await work();
  const wallMs = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (user + system) / 1000, result };
}

/**
 * Loads `events` chained events into a database of its own and times the four verifications.
 * Each row: `key` (before, full, incremental, incremental-new), label, wall and CPU ms, and what
 * the verification answered (`checked`, `valid`).
 */
export async function auditVerification({ events = 1_000_000, log }) {
  const name = `bench_audit_verify_${process.pid}_${Date.now()}`;
  const url = `${urls.database}/${name}`;
  const logger = createLogger({ service: 'bench', level: 'warn' });
  const admin = new pg.Client({ connectionString: `${urls.database}/postgres` });
  await admin.connect();
  let sequelize;
  const rows = [];
  const time = async (key, label, work) => {
    const { wallMs, cpuMs, result } = await timed(work);
    rows.push({ key, label, wallMs, cpuMs, checked: result.checked, valid: result.valid });
    log(`audit verify: ${label}: ${(wallMs / 1000).toFixed(2)} s`);
  };
  try {
    sequelize = await openDatabase({
      url,
      migrations,
      migrationTable: MIGRATION_TABLE,
      autoMigrate: true,
      logger,
    });
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined); // the forced DROP at the end may cut it
    await client.connect();
    const loadStart = performance.now();
    const head = await load(client, { seq: 0, hash: GENESIS_HASH }, events, log);
    await client.query('ANALYZE audit_events');
    const loadSeconds = (performance.now() - loadStart) / 1000;
    log(`audit verify: loaded ${events} events in ${loadSeconds.toFixed(1)} s`);

    const keys = new CheckpointKeys([developmentCheckpointKey()]);
    const chain = new ChainRepository(sequelize);
    const jobs = new VerifyJobRepository(sequelize);
    const walks = new FullWalks(chain, jobs, keys, logger);
    const incremental = new IncrementalVerification(chain, keys);

    await time(
      'before',
      'before: synchronous walk of the whole chain (old GET /verify)',
      async () => {
        const verifier = new ChainVerifier();
        await new AuditEventRepository(sequelize).walk(1000, (batch) => {
          for (const row of batch) verifier.check(row);
        });
        return verifier.result();
      },
    );
    await time('full', 'full re-walk job (POST /verify/jobs until done)', async () => {
      const job = await walks.start();
      for (;;) {
        const now = await jobs.find(job.id);
        if (now.state !== 'running') return now.result;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    });
    await time('incremental', 'incremental GET /verify, nothing new', () => incremental.verify());
    await load(client, head, 1000, log);
    await time('incremental-new', 'incremental GET /verify, 1,000 new events', () =>
      incremental.verify(),
    );
    await client.end();
    return { events, loadSeconds, rows };
  } finally {
    await sequelize?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
