// Report sections added with the compare mode: the sessions-table scenario, and for a run on one
// checkout the figures the main table has no row for (logins per concurrency, idle and peak
// memory of every service, scale-out).
/* eslint-disable security/detect-object-injection -- objects keyed by its own process names */
import { figures } from './figures.mjs';

const sum = (c) => Object.values(c ?? {}).reduce((a, b) => a + b, 0);
const f1 = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));

export function renderSessions(s) {
  const row = (label, pick) => {
    const before = pick(s.empty);
    const after = pick(s.full);
    const ratio = before === 0 ? '' : (after / before).toFixed(2);
    return `| ${label} | ${f1(before)} | ${f1(after)} | ${ratio} |`;
  };
  const per = (op) => [
    row(`${op}: per second (4 clients)`, (m) => m[op].perSecond),
    row(`${op}: p50 ms`, (m) => m[op].p50),
    row(`${op}: p99 ms`, (m) => m[op].p99),
    row(`${op}: CPU µs, auth-service`, (m) => m[op].cpu['auth-service'] ?? 0),
    row(`${op}: CPU µs, PostgreSQL`, (m) => m[op].cpu.PostgreSQL ?? 0),
    row(`${op}: CPU µs, all processes`, (m) => sum(m[op].cpu)),
    ...(s.empty[op].rowsRead
      ? [
          row(
            `${op}: sessions rows read by sequential scan`,
            (m) => m[op].rowsRead.sessionsScanned,
          ),
          row(`${op}: sessions rows fetched by index`, (m) => m[op].rowsRead.sessionsByIndex),
          row(
            `${op}: refresh-token rows read by sequential scan`,
            (m) => m[op].rowsRead.tokensScanned,
          ),
          row(`${op}: refresh-token rows fetched by index`, (m) => m[op].rowsRead.tokensByIndex),
        ]
      : []),
  ];
  return [
    `Sessions table size (\`npm run bench -- --sessions\`, its own stack with fast Argon2id so ` +
      `the database work shows): login and refresh through the gateway with ${s.emptyRows} ` +
      `sessions, then with ${s.totalRows.toLocaleString('en-US')} (${s.rows.toLocaleString('en-US')} ` +
      `dead ones with their refresh tokens, dead 1-29 days, inserted in ${Math.round(s.fillSeconds)} s), ` +
      `${s.seconds} s per measurement.`,
    '',
    '| per operation | few sessions | with the dead rows | ratio |',
    '|---|---|---|---|',
    ...per('login'),
    ...per('refresh'),
  ].join('\n');
}

/** The compare rows of sections 2/4, 5 and 7 for a single run, one column. */
export function renderExtras(r) {
  const wanted = new Set(['2/4 logins via gateway', '5 memory MiB', '7 scale-out (20 conn.)']);
  const rows = figures(r, r.argon2).filter(([section]) => wanted.has(section));
  const format = (v, kind) => (typeof v !== 'number' ? v : kind === 'ratio' ? v.toFixed(2) : f1(v));
  return [
    '| scenario | figure | measured |',
    '|---|---|---|',
    ...rows.map(([section, name, v, kind]) => `| ${section} | ${name} | ${format(v, kind)} |`),
  ].join('\n');
}
