// The `--compare` report: every figure of both stacks side by side, with new / old. Both ran in
// the same run on the same machine, their rounds interleaved, so the ratio is the figure to read.
import { auditVerifyTarget, renderAuditVerify } from './audit-verify-report.mjs';
import { figures, gatewayPerBare, staticGatewayPerBare } from './figures.mjs';
import { renderFlames } from './flames-report.mjs';
import { BEGIN, END, machineLine } from './report.mjs';
import { renderSessions } from './sessions-report.mjs';

const format = (value, kind) => {
  if (typeof value !== 'number') return String(value).replace(/\|/g, '\\|');
  if (kind === 'ratio') return value.toFixed(2);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
};

function ratioOf(oldValue, newValue, kind) {
  if (kind === 'text' || typeof oldValue !== 'number' || typeof newValue !== 'number') return '';
  if (oldValue === 0) return ''; // nothing to divide by: read the two columns
  return (newValue / oldValue).toFixed(2);
}

/** Rows of both stacks matched by section and name, in the order the new stack reports them. */
function paired(oldRows, newRows) {
  const key = ([section, name]) => `${section}\u0000${name}`;
  const olds = new Map(oldRows.map((row) => [key(row), row]));
  const news = new Map(newRows.map((row) => [key(row), row]));
  const keys = [...new Set([...news.keys(), ...olds.keys()])];
  return keys.map((k) => {
    const [section, name, , kind] = news.get(k) ?? olds.get(k);
    return { section, name, kind, old: olds.get(k)?.[2], new: news.get(k)?.[2] };
  });
}

const sum = (c) => Object.values(c).reduce((a, b) => a + b, 0);
const verdict = (ok) => (ok ? '**met**' : '**not met**');

/** Item 9: login and refresh read the same few rows through indexes with 1M dead sessions. */
function sessionsTarget(s) {
  // Each operation measured with few sessions (empty) and with the dead rows (full).
  const pairs = [
    [s.empty.login, s.full.login],
    [s.empty.refresh, s.full.refresh],
  ];
  const scanned = pairs.reduce(
    (rows, [, full]) => rows + full.rowsRead.sessionsScanned + full.rowsRead.tokensScanned,
    0,
  );
  const byIndex = (m) => m.rowsRead.sessionsByIndex + m.rowsRead.tokensByIndex;
  const growth = (empty, full) =>
    byIndex(empty) === 0 ? (byIndex(full) === 0 ? 1 : Infinity) : byIndex(full) / byIndex(empty);
  const indexGrowth = Math.max(...pairs.map(([empty, full]) => growth(empty, full)));
  const cpu = pairs.map(([empty, full]) => (sum(full.cpu) / sum(empty.cpu)).toFixed(2));
  return [
    '9',
    `login and refresh with ${s.totalRows.toLocaleString('en-US')} sessions against ${s.emptyRows}`,
    `rows by sequential scan ${scanned.toFixed(1)}; rows by index ×${indexGrowth.toFixed(2)}; CPU per login, refresh ×${cpu.join(', ×')}`,
    'flat: no scans, the same rows by index',
    scanned === 0 && indexGrowth <= 1.5,
  ];
}

/** The targets of issue 14 that one run decides, each with the figure it rests on. */
function targets(r) {
  const [o, n] = r.stacks;
  const { argon2 } = r;
  const fullPlainCpu = sum(n.edge.cpuPerRequestUs.plain) / sum(n.edge.cpuPerRequestUs.full);
  const fullPlain = n.edge.full.rps / n.edge.plain.rps;
  const readX = n.edge.full.rps / o.edge.full.rps;
  const loginRatio = n.logins.perSecond / argon2.perSecond;
  const refusals = n.logins.levels.reduce((k, l) => k + l.unexpected + l.bare503, 0);
  // No answer at all is no evidence either way.
  const answered = n.logins.levels.every((l) => (l.statuses['200'] ?? 0) > 0);
  const gatewayUs = n.edge.cpuPerRequestUs.full.gateway ?? 0;
  const perBare = gatewayPerBare(n.edge);
  const staticPerBare = staticGatewayPerBare(n.edge);
  const audit = n.audit?.offered;
  const rows = [
    [
      '1',
      'both versions built and measured in one run, rounds interleaved',
      `old ${r.compare.old.short}, new ${r.compare.new.short}`,
      'one `--compare` run',
      true,
    ],
    [
      '2',
      'gateway CPU per authenticated proxied request',
      `${Math.round(gatewayUs)} µs`,
      '≤ 200 µs',
      gatewayUs <= 200,
    ],
    [
      '2',
      'the same, in units of the bare forwarder of this run (the 200 µs were set against one at 90-112 µs)',
      `${perBare.toFixed(2)}× (bare ${Math.round(n.edge.cpuPerRequestUs.bare?.['bare forwarder'] ?? NaN)} µs)`,
      '≤ 1.79× (200 / 112)',
      perBare <= 200 / 112,
    ],
    ...(n.edge.staticFull
      ? [
          [
            '2',
            'the same in front of a small static JSON upstream (the calibration setting)',
            `${staticPerBare.ratio.toFixed(2)}× (gateway ${Math.round(staticPerBare.gateway)} µs, bare ${Math.round(staticPerBare.bare)} µs)`,
            '≤ 1.79×',
            staticPerBare.ratio <= 200 / 112,
          ],
        ]
      : []),
    [
      '2',
      'full / checks-off, req/s and by CPU',
      `${fullPlain.toFixed(2)}, ${fullPlainCpu.toFixed(2)}`,
      '≥ 0.90',
      Math.min(fullPlain, fullPlainCpu) >= 0.9,
    ],
    [
      '2',
      'Redis round trips per authenticated request',
      (n.trips?.roundTrips ?? NaN).toFixed(2),
      '1',
      n.trips?.roundTrips <= 1.05,
    ],
    [
      '3',
      'authenticated read through the full gateway, new / old',
      `${readX.toFixed(2)}× (p99 ${Math.round(o.edge.full.p99)} → ${Math.round(n.edge.full.p99)} ms)`,
      '≥ 2.0×, p99 no worse',
      readX >= 2 && n.edge.full.p99 <= o.edge.full.p99,
    ],
    [
      '4',
      `logins / raw Argon2id (${n.logins.connections} clients)`,
      loginRatio.toFixed(2),
      '≥ 0.90',
      loginRatio >= 0.9,
    ],
    [
      '4',
      'responses other than 200 or 503 with Retry-After (all concurrencies)',
      String(refusals),
      '0',
      refusals === 0 && answered,
    ],
    [
      '5',
      'gateway idle RSS (lowest over 15 s idle)',
      `${Math.round(n.memory.idle.gateway)} MiB` +
        (n.memory.loadedCode
          ? ` (its code imported, nothing started, after forced collections: ${Math.round(n.memory.loadedCode.rss)} MiB)`
          : ''),
      '≤ 80 MiB',
      n.memory.idle.gateway <= 80,
    ],
  ];
  if (audit) {
    rows.push([
      '6',
      `audit, ${n.audit.targetRate}/s offered for ${n.audit.seconds} s`,
      `${Math.round(audit.perSecond)}/s stored, ${audit.stored} of ${audit.sent}, lag p99 ${Math.round(audit.p99)} ms`,
      '≥ 5,000/s, zero loss',
      audit.stored === audit.sent && audit.perSecond >= 0.97 * 5000,
    ]);
  }
  if (n.scaleOut) {
    const { one, two } = n.scaleOut;
    rows.push([
      '7',
      'two gateways + two user-services against one of each, the same 20 connections split',
      `${Math.round(two.rps)} against ${Math.round(one.rps)} req/s (×${(two.rps / one.rps).toFixed(2)}), every response 200`,
      'reported, with what limits it (below)',
      true,
    ]);
  }
  if (r.auditVerify) rows.push(auditVerifyTarget(r.auditVerify));
  if (r.sessions) rows.push(sessionsTarget(r.sessions));
  return [
    '| item | target | new | wanted | |',
    '|---|---|---|---|---|',
    ...rows.map(
      ([item, name, value, wanted, ok]) =>
        `| ${item} | ${name} | ${value} | ${wanted} | ${verdict(ok)} |`,
    ),
  ].join('\n');
}

export function renderCompare(r) {
  const [oldStack, newStack] = r.stacks;
  const rows = paired(figures(oldStack, r.argon2), figures(newStack, r.argon2));
  const cell = (v, kind) => (v === undefined ? '' : format(v, kind));
  const table = [
    `| scenario | figure | old (${r.compare.old.short}) | new (${r.compare.new.short}) | new / old |`,
    '|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.section} | ${row.name} | ${cell(row.old, row.kind)} | ${cell(row.new, row.kind)} | ${ratioOf(row.old, row.new, row.kind)} |`,
    ),
  ].join('\n');
  const lines = [
    BEGIN,
    '',
    `${machineLine(r)}`,
    '',
    `\`npm run bench -- --compare ${r.compare.rev}\`: old = ${r.compare.old.short} (${r.compare.old.subject}), ` +
      `new = ${r.compare.new.short} (${r.compare.new.subject}). Both stacks ran at once, each on its ` +
      'own databases, Redis prefix, audit queue and ports, their measured runs alternating ' +
      '(old, new, then new, old); CPU is from /proc for the processes of the stack under load. ' +
      `Raw Argon2id in the bench process: ${r.argon2.perSecond.toFixed(2)}/s with ` +
      `${r.argon2.concurrency} at a time, ${(r.argon2.cpuUsEach / 1000).toFixed(0)} ms CPU each.` +
      (r.bareNode
        ? ` A bare Node process of the same binary holds ${Math.round(r.bareNode.rss)} MiB RSS.`
        : ''),
    '',
    table,
    '',
    'The targets of issue 14 that this run decides:',
    '',
    targets(r),
    '',
  ];
  if (oldStack.flames && newStack.flames) {
    const labels = [`old ${r.compare.old.short}`, `new ${r.compare.new.short}`];
    lines.push(renderFlames(oldStack.flames, newStack.flames, labels));
  }
  if (r.sessions) lines.push(renderSessions(r.sessions), '');
  if (r.auditVerify) lines.push(renderAuditVerify(r.auditVerify), '');
  lines.push(END);
  return { table, markdown: lines.join('\n') };
}
