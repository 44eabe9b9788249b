// Item 9 of issue 14: login and refresh cost with an almost empty sessions table, and again with
// 1M dead sessions (expired or revoked, each with its refresh token) in it. The rows are dead for
// 1 to 29 days, inside the default RETENTION_DAYS (30), so the purge leaves them: what a busy
// deployment always holds. Its own stack with fast hashing (the test suites' parameters), so
// a login's database work is not hidden under 180 ms of Argon2id.
/* eslint-disable security/detect-object-injection -- keyed by its own two table names */
import pg from 'pg';

import { FAST_ARGON2 } from '@secure-api/shared/testing';

import { loginCost } from './logins.mjs';
import { meterFor, perRequest } from './measure.mjs';
import { Stack } from './stack.mjs';

const ORIGIN = 'http://localhost:3000';
const OPEN = '100000/minute'; // the limits still run on every request; they never refuse here
const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function post(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('refresh_token='));
  await res.arrayBuffer();
  return { status: res.status, refresh: cookie?.split(';')[0] };
}

/** Four clients, each rotating its own refresh token as fast as it is answered. */
async function refreshCost(stack, user, seconds) {
  const login = `${stack.gateway}/api/v1/auth/login`;
  const refresh = `${stack.gateway}/api/v1/auth/refresh`;
  const credentials = { email: user.email, password: user.password };
  const client = async (deadline, latencies) => {
    let { refresh: cookie } = await post(login, credentials);
    while (Date.now() < deadline) {
      const started = performance.now();
      const res = await post(refresh, undefined, { cookie });
      if (res.status !== 200 || !res.refresh) throw new Error(`refresh: ${res.status}`);
      latencies?.push(performance.now() - started);
      cookie = res.refresh;
    }
  };
  const clients = (duration, latencies) =>
    Promise.all(Array.from({ length: 4 }, () => client(Date.now() + duration * 1000, latencies)));
  await clients(2); // warm-up
  const latencies = [];
  const meter = meterFor(stack);
  const started = Date.now();
  await clients(seconds, latencies);
  const cpu = perRequest(meter.stop(), latencies.length);
  latencies.sort((a, b) => a - b);
  return {
    ops: latencies.length,
    perSecond: latencies.length / ((Date.now() - started) / 1000),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpu,
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Rows PostgreSQL read from the two tables by sequential scans and through indexes, from its own
 * statistics: steadier than CPU on a busy machine, and a scan of a million rows shows at once.
 */
async function tableReads(databaseUrl) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query(
      `SELECT relname, seq_tup_read::float AS seq, coalesce(idx_tup_fetch, 0)::float AS idx
         FROM pg_stat_user_tables WHERE relname IN ('sessions', 'refresh_tokens')`,
    );
    return Object.fromEntries(rows.map((r) => [r.relname, { seq: r.seq, idx: r.idx }]));
  } finally {
    await db.end();
  }
}

/** `op` measured, with the table rows it read per operation. */
async function withReads(databaseUrl, op) {
  // A backend reports its statistics when idle, within 10 s (PostgreSQL 15): wait them out.
  await sleep(11_000);
  const before = await tableReads(databaseUrl);
  const result = await op();
  await sleep(11_000);
  const after = await tableReads(databaseUrl);
  const per = (table, kind) => (after[table][kind] - before[table][kind]) / result.ops;
  return {
    ...result,
    rowsRead: {
      sessionsScanned: per('sessions', 'seq'),
      sessionsByIndex: per('sessions', 'idx'),
      tokensScanned: per('refresh_tokens', 'seq'),
      tokensByIndex: per('refresh_tokens', 'idx'),
    },
  };
}

async function countSessions(databaseUrl) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return (await db.query('SELECT count(*)::int AS n FROM sessions')).rows[0].n;
  } finally {
    await db.end();
  }
}

/** 1,000 filler accounts (copies of the measured one), then `rows` dead sessions spread over them. */
async function fillSessions(databaseUrl, rows) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const columns = (
      await db.query(
        `SELECT column_name FROM information_schema.columns
          WHERE table_name = 'credentials' AND column_name NOT IN ('user_id', 'email')`,
      )
    ).rows.map((r) => `"${r.column_name}"`);
    await db.query(
      `INSERT INTO credentials (user_id, email, ${columns.join(', ')})
       SELECT gen_random_uuid(), 'filler.' || g || '@example.com', ${columns.map((c) => `c.${c}`).join(', ')}
         FROM (SELECT * FROM credentials LIMIT 1) c, generate_series(1, 1000) g`,
    );
    // Half expired, half revoked early; every one with the refresh token it ended with.
    await db.query(
      `WITH u AS (SELECT array_agg(user_id) AS ids FROM credentials)
       INSERT INTO sessions (id, user_id, user_agent, ip, amr, created_at, last_used_at,
                             expires_at, revoked_at, revoked_reason)
       SELECT gen_random_uuid(), u.ids[1 + g % array_length(u.ids, 1)], 'bench-filler', '127.0.0.1',
              ARRAY['pwd'], dead - interval '30 days', dead - interval '1 day', dead,
              CASE WHEN g % 2 = 0 THEN dead END, CASE WHEN g % 2 = 0 THEN 'logout' END
         FROM u, generate_series(1, $1::int) g,
              LATERAL (SELECT now() - interval '1 day' - (g % 28) * interval '1 day' AS dead) d`,
      [rows],
    );
    await db.query(
      `INSERT INTO refresh_tokens (id, session_id, token_hash, created_at, expires_at, rotated_at)
       SELECT gen_random_uuid(), s.id, md5(s.id::text) || md5(s.created_at::text || s.id::text),
              s.last_used_at, s.expires_at, NULL
         FROM sessions s WHERE s.user_agent = 'bench-filler'`,
    );
    await db.query('ANALYZE credentials, sessions, refresh_tokens');
  } finally {
    await db.end();
  }
}

export async function sessionTables({ quick, rows = quick ? 100_000 : 1_000_000, log }) {
  const seconds = quick ? 5 : 12;
  const stack = new Stack({ label: 'sessions' });
  try {
    await stack.startCore({
      argon2: FAST_ARGON2,
      authEnv: { LOGIN_RATE_LIMIT: OPEN },
      gatewayEnv: { LOGIN_RATE_LIMIT: OPEN, REFRESH_RATE_LIMIT: OPEN },
    });
    const user = {
      username: `sessions_${stack.id}`,
      email: `sessions.${stack.id}@example.com`,
      password: `Tidal-Harbour-${stack.id}-9!`,
    };
    const registered = await post(`${stack.auth}/api/v1/auth/register`, user);
    if (registered.status !== 201) throw new Error(`register: ${registered.status}`);
    const database = stack.databases.find((url) => url.endsWith('_auth'));
    const measure = async () => ({
      login: await withReads(database, () => loginCost(stack, user, seconds)),
      refresh: await withReads(database, () => refreshCost(stack, user, seconds)),
    });
    log('sessions: login and refresh cost, few sessions');
    const empty = await measure();
    const emptyRows = await countSessions(database);
    log(`sessions: inserting ${rows.toLocaleString('en-US')} dead sessions and refresh tokens`);
    const started = Date.now();
    await fillSessions(database, rows);
    const fillSeconds = (Date.now() - started) / 1000;
    const total = await countSessions(database);
    log(`sessions: ${total} sessions after ${Math.round(fillSeconds)} s; measuring again`);
    return {
      seconds,
      rows,
      fillSeconds,
      emptyRows,
      totalRows: total,
      empty,
      full: await measure(),
    };
  } finally {
    await stack.close();
  }
}
