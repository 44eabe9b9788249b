import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { loginSucceeded } from './support/events.js';
import { AuditHarness } from './support/harness.js';
import { counter } from './support/metrics.js';

describe('two audit-service instances on one queue and one database', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await AuditHarness.start('audit_replicas');
    await h.startInstance();
  });

  afterAll(async () => {
    await h.close();
  });

  it('consuming 2,000 events concurrently: 2,000 rows, each logged once, and the chain verifies', async () => {
    const events = Array.from({ length: 2000 }, () => loginSucceeded());
    const ids = events.map((e) => e.id);

    await h.publish(events);

    expect(await h.waitStored(ids, 60_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await h.countStored(ids)).toBe(2000);
    const lines = h.siemLines(ids);
    expect(lines).toHaveLength(2000);
    expect(new Set(lines.map((l) => (l.event as { id: string }).id)).size).toBe(2000);
    const [one, two] = h.instances;
    expect(await counter(one!.service.url, 'audit_events_stored_total')).toBeGreaterThan(0);
    expect(await counter(two!.service.url, 'audit_events_stored_total')).toBeGreaterThan(0);
    const verify = await h.get('/api/v1/admin/audit/verify');
    expect(verify.body).toMatchObject({ valid: true, first_bad_id: null });
    expect((verify.body as { checked: number }).checked).toBeGreaterThanOrEqual(2000);
  }, 90_000);
});
