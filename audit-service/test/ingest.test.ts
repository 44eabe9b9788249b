import { createHash, randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { QueryTypes } from 'sequelize';
import request from 'supertest';

import { canonicalJson } from '@secure-api/shared/events';
import { eventually } from '@secure-api/shared/testing';

import { chainHash } from '../src/domain/hash-chain.js';
import { accessDenied, loginFailed, loginSucceeded, roleChanged } from './support/events.js';
import { AuditHarness } from './support/harness.js';

describe('audit-service consuming security.events', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await AuditHarness.start('audit_ingest');
  });

  afterAll(async () => {
    await h.close();
  });

  it('stores each published event as a row with its fields, linked into a chain that verifies', async () => {
    const admin = randomUUID();
    const target = randomUUID();
    const events = [loginSucceeded(), loginFailed(), roleChanged(admin, target), accessDenied()];

    await h.publish(events);

    expect(await h.waitStored(events.map((e) => e.id))).toBe(true);
    const rows = await h.rows(events.map((e) => e.id));
    const role = rows.find((r) => r.event_id === events[2]!.id)!;
    expect(role).toMatchObject({
      type: 'user.role_changed',
      actor_user_id: admin,
      subject_user_id: target,
      outcome: 'success',
      source: 'user-service',
      payload: events[2],
    });
    expect(role.occurred_at.toISOString()).toBe(events[2]!.occurred_at);
    const login = rows.find((r) => r.event_id === events[0]!.id)!;
    expect(login.request_id).toBe(events[0]!.request_id);
    for (const row of rows) {
      expect(row.hash).toBe(chainHash(row.prev_hash, row.payload));
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    }
    const verify = await h.get('/api/v1/admin/audit/verify');
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ valid: true, first_bad_id: null });
    expect((verify.body as { checked: number }).checked).toBeGreaterThanOrEqual(4);
  });

  it('stores a client_request_id with the rest of the event, and a chain mixing events with and without one verifies', async () => {
    const older = loginSucceeded();
    const labelled = { ...loginSucceeded(), client_request_id: `client-${randomUUID()}` };

    await h.publish([older, labelled]);

    expect(await h.waitStored([older.id, labelled.id])).toBe(true);
    const rows = await h.rows([older.id, labelled.id]);
    expect(rows.find((r) => r.event_id === labelled.id)?.payload).toEqual(labelled);
    expect(rows.find((r) => r.event_id === older.id)?.payload).not.toHaveProperty(
      'client_request_id',
    );
    const verify = await h.get('/api/v1/admin/audit/verify');
    expect(verify.body).toMatchObject({ valid: true, first_bad_id: null });
  });

  it('the first row links to 64 zeros, and every hash is sha256(prev_hash || canonical_json(event))', async () => {
    const event = loginSucceeded();
    await h.publish([event]);
    expect(await h.waitStored([event.id])).toBe(true);

    const [first] = await h.sql.query<{ prev_hash: string; payload: unknown; hash: string }>(
      'SELECT prev_hash, payload, hash FROM audit_events ORDER BY seq LIMIT 1',
      { type: QueryTypes.SELECT },
    );

    expect(first!.prev_hash).toBe('0'.repeat(64));
    expect(first!.hash).toBe(
      createHash('sha256')
        .update(`${first!.prev_hash}${canonicalJson(first!.payload)}`)
        .digest('hex'),
    );
  });

  it('writes one security_event JSON line per stored event: the envelope, its seq and hash', async () => {
    const event = loginFailed();
    await h.publish([event]);
    expect(await h.waitStored([event.id])).toBe(true);

    const [row] = await h.rows([event.id]);
    const lines = h.siemLines([event.id]);

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'audit-service',
      msg: 'security_event',
      event,
      seq: Number(row!.seq),
      hash: row!.hash,
    });
  });

  it('a duplicate delivery of an event is acknowledged without a second row or log line', async () => {
    const event = loginSucceeded();
    const marker = loginSucceeded();

    await h.publish([event]);
    expect(await h.waitStored([event.id])).toBe(true);
    await h.publish([event, event]);
    await h.publish([marker]);
    expect(await h.waitStored([marker.id])).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(await h.countStored([event.id])).toBe(1);
    expect(h.siemLines([event.id])).toHaveLength(1);
    const metrics = await request(h.url).get('/metrics');
    expect(metrics.text).toMatch(/audit_events_duplicate_total\{[^}]*\} [1-9]/);
  });

  it('a malformed message goes to the dead-letter queue, is counted, and the consumer carries on', async () => {
    const notJson = randomUUID();
    const notAnEvent = randomUUID();
    const tooLarge = randomUUID();
    const leaky = { ...loginSucceeded(), data: { amr: ['pwd'], password: 'Canary-Secret-1' } };
    h.sendRaw(Buffer.from('{"id": "broken'), notJson);
    h.sendRaw(Buffer.from(JSON.stringify(leaky)), notAnEvent);
    h.sendRaw(Buffer.alloc(70 * 1024, 'a'), tooLarge);
    const after = loginSucceeded();
    await h.publish([after]);

    expect(await h.waitStored([after.id])).toBe(true);
    const dead: string[] = [];
    const allDead = await eventually(async () => {
      dead.push(...(await h.drainDeadLetters()));
      return [notJson, notAnEvent, tooLarge].every((id) => dead.includes(id));
    });

    expect(allDead).toBe(true);
    expect(await h.countStored([leaky.id])).toBe(0);
    const metrics = (await request(h.url).get('/metrics')).text;
    expect(metrics).toMatch(/audit_invalid_messages_total\{[^}]*reason="json"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/audit_invalid_messages_total\{[^}]*reason="schema"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/audit_invalid_messages_total\{[^}]*reason="too_large"[^}]*\} [1-9]/);
    expect(
      h
        .allLogLines()
        .map((l) => JSON.stringify(l))
        .join('\n'),
    ).not.toContain('Canary-Secret-1');
  });
});

describe('audit_events is append-only in the database itself', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await AuditHarness.start('audit_append_only');
  });

  afterAll(async () => {
    await h.close();
  });

  it.each([
    ['UPDATE', "UPDATE audit_events SET type = 'auth.logout' WHERE event_id = :id"],
    ['DELETE', 'DELETE FROM audit_events WHERE event_id = :id'],
    ['a DELETE of nothing', 'DELETE FROM audit_events WHERE false'],
    ['TRUNCATE', 'TRUNCATE audit_events'],
  ])('refuses %s', async (_name, statement) => {
    const event = loginSucceeded();
    await h.publish([event]);
    expect(await h.waitStored([event.id])).toBe(true);

    await expect(h.sql.query(statement, { replacements: { id: event.id } })).rejects.toThrow(
      /append-only/,
    );
    const [row] = await h.rows([event.id]);
    expect(row!.type).toBe('auth.login.succeeded');
  });
});
