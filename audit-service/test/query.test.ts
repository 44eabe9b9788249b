import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { AnySecurityEvent } from '@secure-api/shared/events';

import { accessDenied, at, loginFailed, loginSucceeded, roleChanged } from './support/events.js';
import { AuditHarness } from './support/harness.js';

interface Page {
  events: (AnySecurityEvent & {
    seq: number;
    prev_hash: string;
    hash: string;
    stored_at: string;
  })[];
  next_cursor: string | null;
}

const ENVELOPE_KEYS = [
  'actor',
  'data',
  'hash',
  'id',
  'occurred_at',
  'outcome',
  'prev_hash',
  'request_id',
  'seq',
  'source',
  'stored_at',
  'type',
  'version',
];

describe('GET /api/v1/admin/audit', () => {
  let h: AuditHarness;
  const user = randomUUID();
  const hour = 3600_000;
  const now = Date.now();
  let events: AnySecurityEvent[];

  beforeAll(async () => {
    h = await AuditHarness.start('audit_query');
    events = [
      at(loginSucceeded(user), new Date(now - 5 * hour)),
      at(loginFailed(user), new Date(now - 4 * hour)),
      at(roleChanged(randomUUID(), user), new Date(now - 3 * hour)),
      at(accessDenied(user), new Date(now - 2 * hour)),
      at(loginSucceeded(user), new Date(now - hour)),
      at(roleChanged(user, randomUUID()), new Date(now - hour / 2)),
    ];
    // One at a time, so chain order is this order.
    for (const event of events) {
      await h.publish([event]);
      expect(await h.waitStored([event.id])).toBe(true);
    }
  });

  afterAll(async () => {
    await h.close();
  });

  const list = async (query: string) => {
    const res = await h.get(`/api/v1/admin/audit?${query}`);
    expect(res.status).toBe(200);
    return res.body as Page;
  };
  const idsOf = (page: Page) => page.events.map((e) => e.id);
  const pick = (...indexes: number[]) => indexes.map((i) => events.at(i)!.id);

  it('user_id matches the actor or the subject; newest first; each event is the stored envelope', async () => {
    const page = await list(`user_id=${user}`);

    expect(idsOf(page)).toEqual(pick(5, 4, 3, 2, 1, 0));
    expect(page.next_cursor).toBeNull();
    const [newest] = page.events;
    expect(Object.keys(newest!).sort()).toEqual(ENVELOPE_KEYS.concat('subject').sort());
    expect(newest).toMatchObject(events[5]!);
    expect(newest!.seq).toBeGreaterThan(page.events[1]!.seq);
    expect(newest!.prev_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('filters by type', async () => {
    expect(idsOf(await list(`type=auth.login.succeeded&user_id=${user}`))).toEqual(pick(4, 0));
  });

  it('filters by since and until, inclusive', async () => {
    const since = new Date(now - 4 * hour).toISOString();
    const until = new Date(now - 2 * hour).toISOString();

    expect(idsOf(await list(`user_id=${user}&since=${since}&until=${until}`))).toEqual(
      pick(3, 2, 1),
    );
  });

  it('pages with an opaque cursor until next_cursor is null, without gaps or repeats', async () => {
    const first = await list(`user_id=${user}&limit=4`);
    const second = await list(`user_id=${user}&limit=4&cursor=${first.next_cursor ?? ''}`);

    expect(idsOf(first)).toEqual(pick(5, 4, 3, 2));
    expect(first.next_cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(idsOf(second)).toEqual(pick(1, 0));
    expect(second.next_cursor).toBeNull();
  });

  it('a page that ends exactly at the last event says there is no next one', async () => {
    const page = await list(`user_id=${user}&limit=6`);

    expect(page.events).toHaveLength(6);
    expect(page.next_cursor).toBeNull();
  });

  it.each([
    ['an unknown type', 'type=auth.everything', 'query.type'],
    ['a user_id that is not a uuid', 'user_id=42', 'query.user_id'],
    ['a since that is not a date-time', 'since=yesterday', 'query.since'],
    ['since after until', 'since=2024-02-01T00:00:00Z&until=2024-01-01T00:00:00Z', 'query.since'],
    [
      'a since in year 0, which PostgreSQL cannot store',
      'since=0000-01-01T00:00:00Z',
      'query.since',
    ],
    ['a since before 2000', 'since=1999-12-31T23:59:59Z', 'query.since'],
    ['an until past year 9999 once in UTC', 'until=9999-12-31T23:59:59-01:00', 'query.until'],
    ['limit 0', 'limit=0', 'query.limit'],
    ['limit 201', 'limit=201', 'query.limit'],
    [
      'a forged cursor',
      `cursor=${Buffer.from('seq:1 OR 1=1').toString('base64url')}`,
      'query.cursor',
    ],
    ['a cursor that is not base64url', 'cursor=%27%3B--', 'query.cursor'],
    ['an unknown parameter', 'order=asc', 'query.order'],
    ['a repeated parameter', 'type=auth.logout&type=auth.logout_all', 'query.type'],
  ])('refuses %s with 422 naming the field', async (_name, query, field) => {
    const res = await h.get(`/api/v1/admin/audit?${query}`);

    expect(res.status).toBe(422);
    expect((res.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain(
      field,
    );
  });
});
