import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  documentedOperations,
  hostileRequestsFor,
  sendRaw,
  type RawResponse,
} from '../../support/hostile-requests.js';
import {
  loginAs,
  startSystem,
  type LoggedIn,
  type System,
  type TestUser,
} from '../../support/system.js';

const PROBLEM_KEYS = new Set(['type', 'title', 'status', 'detail', 'instance', 'request_id']);
// What a leaked internal error would carry: a library's name, a stack frame, a server path.
const INTERNALS = /sequelize|postgres|SQLSTATE|ioredis|zod|node_modules|\bat [\w.<>]+ \(|\/src\//i;

/** Why this answer is wrong, or undefined when it is fine: no 5xx, errors are clean problems. */
function wrongAnswer(res: RawResponse): string | undefined {
  if (res.status === 0 || res.status >= 500) return `answered ${String(res.status)}`;
  if (res.status < 400) return undefined;
  if (!res.contentType.startsWith('application/problem+json'))
    return `${String(res.status)} as ${res.contentType || 'no content type'}`;
  const problem = JSON.parse(res.body) as Record<string, unknown>;
  const extra = Object.keys(problem).filter((k) => !PROBLEM_KEYS.has(k) && k !== 'errors');
  if (problem.status !== res.status || extra.length > 0) return `malformed problem ${res.body}`;
  // `instance` is the client's own path, echoed; everything else is what the service chose to say.
  const told = Object.entries(problem).filter(([key]) => key !== 'instance');
  if (INTERNALS.test(JSON.stringify(told))) return `leaks internals: ${res.body}`;
  return undefined;
}

describe('hostile query, path and cookie parameters on every documented route', () => {
  let system: System;
  let admin: TestUser & LoggedIn;

  beforeAll(async () => {
    system = await startSystem('attack_params', { audit: true });
    admin = await system.userWithRole('admin');
  });

  afterAll(async () => {
    await system.close();
  });

  const operations = documentedOperations().map((op) => [op.method, op.template, op] as const);

  it('covers every route of the published API', () => {
    expect(operations.length).toBeGreaterThan(30);
    expect(operations.map(([, template]) => template)).toEqual(
      expect.arrayContaining(['/api/v1/admin/audit', '/api/v1/users/{id}']),
    );
  });

  it.each(operations)(
    '%s %s, sent as an admin, answers no hostile value with a 5xx and refuses with problem+json',
    async (_method, _template, operation) => {
      const wrong: string[] = [];
      for (const attack of hostileRequestsFor(operation)) {
        const res = await sendRaw(system.gateway, {
          ...attack,
          headers: { authorization: `Bearer ${admin.accessToken}`, ...attack.headers },
        });
        const why = wrongAnswer(res);
        if (why) wrong.push(`${attack.label}: ${why}`);
        // A write that went through may have ended the admin's session (a logout): sign in
        // again, so every later value still reaches the service.
        if (attack.method !== 'GET' && res.status < 300)
          admin = { ...admin, ...(await loginAs(system.gateway, admin)) };
      }

      expect(wrong).toEqual([]);
    },
    120_000,
  );
});
