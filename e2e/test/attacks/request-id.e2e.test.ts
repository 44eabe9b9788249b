import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { eventually } from '@secure-api/shared/testing';

import {
  loginAs,
  registerUser,
  startSystem,
  type LoggedIn,
  type System,
  type TestUser,
} from '../../support/system.js';

interface AuditRecord {
  type: string;
  request_id: string | null;
  client_request_id?: string;
}

const GATEWAY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('a client-chosen X-Request-ID through the gateway', () => {
  let system: System;
  let admin: TestUser & LoggedIn;

  beforeAll(async () => {
    system = await startSystem('attack_rid', { audit: true });
    admin = await system.userWithRole('admin');
  });

  afterAll(async () => {
    await system.close();
  });

  const api = () => request(system.gateway);

  /** Every stored event, newest first (enough for one test file's traffic). */
  async function auditRecords(): Promise<AuditRecord[]> {
    const records: AuditRecord[] = [];
    let cursor: string | null = null;
    do {
      const res = await api()
        .get(`/api/v1/admin/audit?limit=200${cursor ? `&cursor=${cursor}` : ''}`)
        .set('Authorization', `Bearer ${admin.accessToken}`);
      const page = res.body as { events: AuditRecord[]; next_cursor: string | null };
      records.push(...page.events);
      cursor = page.next_cursor;
    } while (cursor);
    return records;
  }

  async function recordsOnceStored(
    match: (record: AuditRecord) => boolean,
    types: string[],
  ): Promise<AuditRecord[]> {
    let found: AuditRecord[] = [];
    await eventually(async () => {
      found = (await auditRecords()).filter(match);
      return types.every((type) => found.some((record) => record.type === type));
    }, 15_000);
    return found;
  }

  it('never becomes an audit record’s request_id, and is kept as its client_request_id', async () => {
    const chosen = `client-chosen-${randomUUID()}`;
    const user = await registerUser(system.gateway);

    const login = await api()
      .post('/api/v1/auth/login')
      .set('X-Request-ID', chosen)
      .send({ email: user.email, password: user.password });
    const rejected = await api()
      .get('/api/v1/users/me')
      .set('X-Request-ID', chosen)
      .set('Authorization', 'Bearer not-a-token');

    for (const res of [login, rejected]) {
      expect(res.headers['x-request-id']).toMatch(GATEWAY_ID);
      expect(res.headers['x-client-request-id']).toBe(chosen);
    }
    expect(rejected.body).toMatchObject({ request_id: rejected.headers['x-request-id'] });
    const records = await recordsOnceStored(
      (record) => record.client_request_id === chosen,
      ['auth.login.new_device', 'auth.login.succeeded', 'gateway.token_rejected'],
    );
    // A first login is from a new device: that event is filed under the login's request too.
    expect(records.map((r) => [r.type, r.request_id]).sort()).toEqual([
      ['auth.login.new_device', login.headers['x-request-id']],
      ['auth.login.succeeded', login.headers['x-request-id']],
      ['gateway.token_rejected', rejected.headers['x-request-id']],
    ]);
    expect((await auditRecords()).filter((r) => r.request_id === chosen)).toEqual([]);
  });

  it('cannot attach events to another request by reusing its id', async () => {
    const victim = await registerUser(system.gateway);
    const victimLogin = await api()
      .post('/api/v1/auth/login')
      .send({ email: victim.email, password: victim.password });
    const victimId = victimLogin.headers['x-request-id'] as string;

    const forged = await api()
      .post('/api/v1/auth/login')
      .set('X-Request-ID', victimId)
      .send({ email: victim.email, password: 'Wrong-Pass-123!' });

    const records = await recordsOnceStored(
      (record) => record.request_id === victimId || record.client_request_id === victimId,
      ['auth.login.new_device', 'auth.login.succeeded', 'auth.login.failed'],
    );
    expect(records.map((r) => [r.type, r.request_id, r.client_request_id]).sort()).toEqual([
      ['auth.login.failed', forged.headers['x-request-id'], victimId],
      ['auth.login.new_device', victimId, undefined],
      ['auth.login.succeeded', victimId, undefined],
    ]);
  });

  it('drops a client’s own X-Client-Request-ID, and an unsafe X-Request-ID, at the gateway', async () => {
    const session = await loginAs(system.gateway, await registerUser(system.gateway));
    const forged = `forged-${randomUUID()}`;

    const spoofed = await api()
      .post('/api/v1/auth/logout')
      .set('X-Client-Request-ID', forged)
      .set('X-Request-ID', 'bad id\twith spaces')
      .set('Authorization', `Bearer ${session.accessToken}`);

    expect(spoofed.status).toBe(204);
    expect(spoofed.headers['x-request-id']).toMatch(GATEWAY_ID);
    expect(spoofed.headers['x-client-request-id']).toBeUndefined();
    const [logout] = await recordsOnceStored(
      (record) => record.request_id === spoofed.headers['x-request-id'],
      ['auth.logout'],
    );
    expect(logout).toBeDefined();
    expect(logout).not.toHaveProperty('client_request_id');
    expect(JSON.stringify(await auditRecords())).not.toContain(forged);
  });
});
