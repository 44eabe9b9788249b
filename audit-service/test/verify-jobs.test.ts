import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { ROLES } from '@secure-api/shared/auth';

import { loginSucceeded } from './support/events.js';
import { AuditHarness } from './support/harness.js';
import { FULL_WALK_LOCK, fullWalk, holding, storeOneByOne } from './support/tamper.js';

const JOBS = '/api/v1/admin/audit/verify/jobs';

describe('the full re-walk job routes', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await AuditHarness.start('audit_jobs');
    await storeOneByOne(h, [loginSucceeded(), loginSucceeded()]);
  });

  afterAll(async () => {
    await h.close();
  });

  it.each(ROLES.filter((role) => role !== 'admin'))(
    'POST %s: 403, and no walk is started',
    async (role) => {
      const res = await h.post(JOBS, role);

      expect(res.status).toBe(403);
      expect((res.body as { detail: string }).detail).toBe('Insufficient permissions');
      expect(res.headers.location).toBeUndefined();
    },
  );

  it('while another replica walks (its lock held), a second start is refused with 409', async () => {
    const res = await holding(h.sql, FULL_WALK_LOCK, () => h.post(JOBS));

    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: 409,
      detail: 'A full verification is already running',
    });
  });

  it('once the lock is free, a walk runs to the end and reports a valid chain', async () => {
    const job = await fullWalk(h);

    expect(job).toMatchObject({ state: 'done', result: { valid: true, first_bad_id: null } });
  });

  it('an unknown job id: 404; a malformed one: 422; neither a 500', async () => {
    const unknown = await h.get(`${JOBS}/${crypto.randomUUID()}`);
    const malformed = await h.get(`${JOBS}/1%27%20OR%201=1`);

    expect(unknown.status).toBe(404);
    expect((unknown.body as { detail: string }).detail).toBe('No such verification job');
    expect(malformed.status).toBe(422);
    expect(malformed.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
