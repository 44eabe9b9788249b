// CI's dependency audit: `npm audit --omit=dev --audit-level=high`, minus the advisories that
// audit-allowlist.json waives (each reviewed, with a reason and an expiry date).
//
//   node scripts/audit.mjs                      run npm audit and judge its report
//   --allowlist FILE                            default: audit-allowlist.json at the repo root
//   --report FILE                               judge a saved `npm audit --json` report instead
//   --today YYYY-MM-DD                          the date expiry is judged against (default: today, UTC)
//   --allow-unreachable                         when the advisory service cannot be asked, warn
//                                               loudly and exit 0 instead of 2 (see SECURITY.md)
//
// Exit codes: 0 nothing at or above high that is not waived; 1 findings, or an invalid or expired
// allowlist entry; 2 the audit did not run (advisory endpoint unreachable, unreadable report).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(import.meta.dirname, '..');
const BLOCKING = new Set(['high', 'critical']);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const { values: args } = parseArgs({
  options: {
    allowlist: { type: 'string', default: path.join(repoRoot, 'audit-allowlist.json') },
    report: { type: 'string' },
    today: { type: 'string', default: new Date().toISOString().slice(0, 10) },
    'allow-unreachable': { type: 'boolean', default: false },
  },
});

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line = '') => process.stderr.write(`${line}\n`);

/** The GHSA id of an advisory URL, or the URL itself. */
const advisoryId = (url) =>
  /\/(GHSA-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})$/i.exec(url ?? '')?.[1] ?? url;

function loadAllowlist(file) {
  let entries;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the allowlist named on the command line
    entries = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { entries: [], problems: [`${file}: not readable JSON (${error.message})`] };
  }
  if (!Array.isArray(entries)) return { entries: [], problems: [`${file}: must be a JSON array`] };
  const problems = [];
  entries.forEach((entry, i) => {
    const where = `${path.basename(file)}[${i}]`;
    const fields = new Map(Object.entries(entry ?? {}));
    const text = (key) => typeof fields.get(key) === 'string' && fields.get(key).trim() !== '';
    if (!text('id') && !text('url')) problems.push(`${where}: needs "id" (GHSA-...) or "url"`);
    for (const key of ['package', 'reason', 'reviewed_by', 'expires']) {
      if (!text(key)) problems.push(`${where}: needs a non-empty "${key}"`);
    }
    if (text('expires') && (!DATE.test(entry.expires) || Number.isNaN(Date.parse(entry.expires)))) {
      problems.push(`${where}: "expires" must be a YYYY-MM-DD date`);
    } else if (text('expires') && entry.expires < args.today) {
      problems.push(
        `${where}: expired on ${entry.expires} (${entry.package} ${entry.id ?? entry.url}); ` +
          're-review it or remove it',
      );
    }
  });
  return { entries, problems };
}

function runNpmAudit() {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['audit', '--omit=dev', '--audit-level=high', '--json'], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) return { error: `could not run npm: ${result.error.message}` };
  return { text: result.stdout };
}

function readReport() {
  const { text, error } = args.report
    ? // eslint-disable-next-line security/detect-non-literal-fs-filename -- a saved report to judge
      { text: readFileSync(args.report, 'utf8') }
    : runNpmAudit();
  if (error) return { error };
  let report;
  try {
    report = JSON.parse(text);
  } catch {
    return { error: 'npm audit printed no JSON report' };
  }
  if (report?.vulnerabilities && typeof report.vulnerabilities === 'object') return { report };
  // What npm prints when the registry's advisory endpoint refuses or cannot be reached.
  const message = String(
    report?.message ?? report?.error?.summary ?? report?.error?.code ?? 'no details',
  );
  const status = report?.statusCode && !message.includes(String(report.statusCode));
  return {
    error: `the advisory endpoint did not answer: ${status ? `HTTP ${report.statusCode} ` : ''}${message}`,
  };
}

/** One finding per advisory at high or critical, with the package it is in. */
function findings(report) {
  const seen = new Map();
  for (const vulnerability of Object.values(report.vulnerabilities)) {
    for (const via of vulnerability.via ?? []) {
      if (typeof via !== 'object' || !BLOCKING.has(via.severity)) continue;
      const id = advisoryId(via.url) ?? String(via.source);
      seen.set(`${via.name}:${id}`, {
        package: via.name,
        id,
        url: via.url,
        source: via.source,
        severity: via.severity,
        title: via.title,
      });
    }
  }
  return [...seen.values()];
}

const waives = (entry, finding) =>
  entry.package === finding.package &&
  [entry.id, entry.url, advisoryId(entry.url)].some(
    (key) => key !== undefined && [finding.id, finding.url, String(finding.source)].includes(key),
  );

function unreachable(reason) {
  const banner = '!'.repeat(78);
  err(banner);
  err('!! DEPENDENCY AUDIT DID NOT RUN');
  err(`!! npm audit: ${reason}`);
  err('!! No advisory was checked. This is not a pass.');
  err(banner);
  if (args['allow-unreachable']) {
    err('Continuing because --allow-unreachable was given (see SECURITY.md, "Dependency audit").');
    return 0;
  }
  return 2;
}

function main() {
  const allowlist = loadAllowlist(args.allowlist);
  for (const problem of allowlist.problems) err(`allowlist: ${problem}`);

  const { report, error } = readReport();
  if (error) {
    const code = unreachable(error);
    return allowlist.problems.length > 0 ? 1 : code;
  }

  const found = findings(report);
  const blocking = [];
  for (const finding of found) {
    const entry = allowlist.entries.find((candidate) => waives(candidate, finding));
    const line = `${finding.severity.padEnd(8)} ${finding.package} ${finding.id}: ${finding.title}`;
    if (entry) {
      out(`waived   ${line} (until ${entry.expires}, ${entry.reviewed_by}: ${entry.reason})`);
    } else {
      blocking.push(finding);
      err(`BLOCKING ${line} ${finding.url ?? ''}`.trimEnd());
    }
  }
  for (const entry of allowlist.entries) {
    if (!found.some((finding) => waives(entry, finding))) {
      out(`allowlist: ${entry.package} ${entry.id ?? entry.url} no longer matches; remove it`);
    }
  }
  const counts = report.metadata?.vulnerabilities ?? {};
  out(
    `npm audit (production dependencies): ${counts.critical ?? 0} critical, ` +
      `${counts.high ?? 0} high, ${counts.moderate ?? 0} moderate, ${counts.low ?? 0} low; ` +
      `${blocking.length} blocking advisories`,
  );
  return blocking.length > 0 || allowlist.problems.length > 0 ? 1 : 0;
}

process.exitCode = main();
