import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { eventually, MetricsScrape } from '@secure-api/shared/testing';

import { loginSucceeded } from './support/events.js';
import { AuditHarness } from './support/harness.js';
import { asSuperuser, fullWalk, holding, storeOneByOne } from './support/tamper.js';

// chain.repository.ts: the lock one periodic verifier holds across replicas.
const PERIODIC_VERIFY_LOCK = 0x61756470;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A superuser's edit of one stored event: the chain no longer verifies from it on. */
const tamper = (h: AuditHarness, id: string) =>
  asSuperuser(
    h.sql,
    'audit_events',
    `UPDATE audit_events
        SET payload = jsonb_set(payload, '{outcome}', '"failure"'), outcome = 'failure'
      WHERE event_id = :id`,
    { id },
  );

// One database per block: once tampered, a chain stays broken.
describe('audit chain metrics for verifications asked for (no periodic round during the test)', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await AuditHarness.start('audit_chain_metrics');
  });

  afterAll(async () => {
    await h.close();
  });

  const scrape = () => MetricsScrape.of(`${h.url}/metrics`);
  const verifications = async (result: 'ok' | 'broken') =>
    (await scrape()).count('audit_chain_verifications_total', { result });

  it('has no audit_chain_valid until a verification ran', async () => {
    expect((await scrape()).value('audit_chain_valid')).toBeUndefined();
  });

  it('counts a good verification as ok and sets audit_chain_valid to 1', async () => {
    await storeOneByOne(h, [loginSucceeded(), loginSucceeded()]);
    const ok = await verifications('ok');

    const res = await h.get('/api/v1/admin/audit/verify');

    expect(res.body).toMatchObject({ valid: true });
    expect(await verifications('ok')).toBe(ok + 1);
    expect((await scrape()).value('audit_chain_valid')).toBe(1);
  });

  it('counts a verification that finds an edited row as broken and sets audit_chain_valid to 0; a full walk counts too', async () => {
    const events = [loginSucceeded(), loginSucceeded()];
    await storeOneByOne(h, events);
    await tamper(h, events[1]!.id);
    const broken = await verifications('broken');

    const res = await h.get('/api/v1/admin/audit/verify');
    const afterIncremental = await verifications('broken');
    const job = await fullWalk(h);

    expect(res.body).toMatchObject({ valid: false, first_bad_id: events[1]!.id });
    expect(afterIncremental).toBe(broken + 1);
    expect(job.result).toMatchObject({ valid: false });
    expect(await verifications('broken')).toBe(broken + 2);
    expect((await scrape()).value('audit_chain_valid')).toBe(0);
  });
});

describe('the periodic incremental verification (AUDIT_VERIFY_INTERVAL_SECONDS=1)', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await AuditHarness.start('audit_periodic_verify', {
      env: { AUDIT_VERIFY_INTERVAL_SECONDS: '1' },
    });
  });

  afterAll(async () => {
    await h.close();
  });

  const scrape = () => MetricsScrape.of(`${h.url}/metrics`);
  const verifications = async (result: 'ok' | 'broken') =>
    (await scrape()).count('audit_chain_verifications_total', { result });

  it('verifies on its own and sets audit_chain_valid to 1, with no request made', async () => {
    await storeOneByOne(h, [loginSucceeded(), loginSucceeded()]);

    expect(await eventually(async () => (await verifications('ok')) >= 1, 5000)).toBe(true);
    expect((await scrape()).value('audit_chain_valid')).toBe(1);
  });

  it('skips its rounds while another replica holds the verifier lock, and goes on once it is free', async () => {
    const during = await holding(h.sql, PERIODIC_VERIFY_LOCK, async () => {
      // A round already past the lock may finish; none starts after it.
      await sleep(1500);
      const first = await verifications('ok');
      await sleep(2500);
      return [first, await verifications('ok')];
    });

    expect(during[1]).toBe(during[0]);
    expect(await eventually(async () => (await verifications('ok')) > during[1]!, 5000)).toBe(true);
  });

  it('notices an edited row by itself: counts broken, sets audit_chain_valid to 0 and logs an error', async () => {
    const events = [loginSucceeded(), loginSucceeded()];
    await storeOneByOne(h, events);
    await tamper(h, events[0]!.id);

    expect(await eventually(async () => (await verifications('broken')) >= 1, 5000)).toBe(true);
    expect((await scrape()).value('audit_chain_valid')).toBe(0);
    expect(
      h.logs.lines().some((line) => line.msg === 'audit chain failed its periodic verification'),
    ).toBe(true);
  });
});
