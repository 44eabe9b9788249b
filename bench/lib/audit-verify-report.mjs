// Item 8's figures (bench/lib/audit-verify.mjs) as a markdown table.

/** The incremental call has to answer inside the gateway's upstream timeout (10 s by default). */
const GATEWAY_TIMEOUT_MS = 10_000;
const seconds = (ms) => (ms / 1000).toFixed(ms < 1000 ? 3 : 1);

export function renderAuditVerify({ events, loadSeconds, rows }) {
  return [
    `Audit chain verification at ${events.toLocaleString('en-US')} stored events ` +
      `(\`npm run bench:audit-verify\`; loaded in ${Math.round(loadSeconds)} s), timed in the ` +
      `bench process with the service's own code against a database of its own:`,
    '',
    '| verification | wall s | CPU s | rows checked | valid |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${seconds(r.wallMs)} | ${seconds(r.cpuMs)} | ${r.checked.toLocaleString('en-US')} | ${r.valid} |`,
    ),
    '',
    `The incremental call must answer inside the gateway's upstream timeout ` +
      `(${GATEWAY_TIMEOUT_MS / 1000} s) at any chain length; the full re-walk runs as a job.`,
  ].join('\n');
}

/** Item 8's row of the targets table: the incremental call checks only what is new, in time. */
export function auditVerifyTarget({ events, rows }) {
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const fresh = byKey.get('incremental-new');
  const idle = byKey.get('incremental');
  const full = byKey.get('full');
  const before = byKey.get('before');
  const ok =
    fresh !== undefined &&
    idle !== undefined &&
    full !== undefined &&
    fresh.valid &&
    idle.valid &&
    full.valid &&
    fresh.checked === 1000 &&
    full.checked >= events &&
    Math.max(fresh.wallMs, idle.wallMs) < GATEWAY_TIMEOUT_MS;
  return [
    '8',
    `audit verify at ${events.toLocaleString('en-US')} events: incremental call (1,000 new), full re-walk job, the old walk`,
    `${seconds(fresh?.wallMs ?? NaN)} s (${fresh?.checked ?? 0} rows checked), job ${seconds(full?.wallMs ?? NaN)} s, old ${seconds(before?.wallMs ?? NaN)} s`,
    `incremental < ${GATEWAY_TIMEOUT_MS / 1000} s, checks only the new rows; job checks all`,
    ok,
  ];
}
