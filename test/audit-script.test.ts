import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { repoRoot } from './support/kubernetes.js';

const script = path.join(repoRoot, 'scripts', 'audit.mjs');
const work = mkdtempSync(path.join(tmpdir(), 'audit-script-'));
const TODAY = '2026-06-01';
let files = 0;

function file(content: unknown): string {
  files += 1;
  const name = path.join(work, `${files}.json`);
  writeFileSync(name, typeof content === 'string' ? content : JSON.stringify(content));
  return name;
}

interface Advisory {
  name: string;
  severity: 'low' | 'moderate' | 'high' | 'critical';
  ghsa: string;
}

/** An `npm audit --json` (report version 2) with these advisories, one package each. */
function report(...advisories: Advisory[]) {
  const vulnerabilities = Object.fromEntries(
    advisories.map((a, i) => [
      a.name,
      {
        name: a.name,
        severity: a.severity,
        isDirect: false,
        via: [
          {
            source: 1_000_000 + i,
            name: a.name,
            dependency: a.name,
            title: `Something bad in ${a.name}`,
            url: `https://github.com/advisories/${a.ghsa}`,
            severity: a.severity,
            range: '<9.9.9',
          },
        ],
        effects: [],
        range: '<9.9.9',
        nodes: [`node_modules/${a.name}`],
        fixAvailable: true,
      },
    ]),
  );
  // A dependent package only names the advisory's package: not a finding of its own.
  const dependents = Object.fromEntries(
    advisories.map((a) => [`uses-${a.name}`, { name: `uses-${a.name}`, via: [a.name] }]),
  );
  const count = (severity: string) => advisories.filter((a) => a.severity === severity).length;
  return {
    auditReportVersion: 2,
    vulnerabilities: { ...vulnerabilities, ...dependents },
    metadata: {
      vulnerabilities: {
        info: 0,
        low: count('low'),
        moderate: count('moderate'),
        high: count('high'),
        critical: count('critical'),
        total: advisories.length,
      },
    },
  };
}

const entry = (overrides: Record<string, unknown> = {}) => ({
  id: 'GHSA-aaaa-bbbb-cccc',
  package: 'left-pad',
  reason: 'Only reachable from a build-time code path; no fix released yet',
  reviewed_by: 'security@secure-api.dev',
  expires: '2026-07-01',
  ...overrides,
});

function audit(auditReport: unknown, allowlist: unknown = [], ...extra: string[]) {
  const args = ['--report', file(auditReport), '--allowlist', file(allowlist), '--today', TODAY];
  const result = spawnSync(process.execPath, [script, ...args, ...extra], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const HIGH: Advisory = { name: 'left-pad', severity: 'high', ghsa: 'GHSA-aaaa-bbbb-cccc' };

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('scripts/audit.mjs', () => {
  it('passes a report with nothing at or above high', () => {
    const result = audit(
      report(
        { name: 'a', severity: 'low', ghsa: 'GHSA-1111-1111-1111' },
        { name: 'b', severity: 'moderate', ghsa: 'GHSA-2222-2222-2222' },
      ),
    );

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('0 critical, 0 high, 1 moderate, 1 low; 0 blocking');
  });

  it('fails on a high or critical advisory that is not allowlisted, naming package and advisory', () => {
    const high = audit(report(HIGH));
    const critical = audit(
      report({ name: 'minimist', severity: 'critical', ghsa: 'GHSA-xvch-5gv4-984h' }),
    );

    expect(high.status).toBe(1);
    expect(high.stderr).toContain('BLOCKING high     left-pad GHSA-aaaa-bbbb-cccc');
    expect(critical.status).toBe(1);
    expect(critical.stderr).toContain('minimist GHSA-xvch-5gv4-984h');
  });

  it('passes an advisory waived by a reviewed, unexpired allowlist entry, by id or by url', () => {
    const byId = audit(report(HIGH), [entry()]);
    const byUrl = audit(report(HIGH), [
      entry({ id: undefined, url: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc' }),
    ]);

    expect(byId.status).toBe(0);
    expect(byId.stdout).toContain('waived   high     left-pad GHSA-aaaa-bbbb-cccc');
    expect(byId.stdout).toContain('until 2026-07-01, security@secure-api.dev');
    expect(byUrl.status).toBe(0);
  });

  it('does not let an entry for one package waive the same advisory in another', () => {
    const result = audit(report(HIGH), [entry({ package: 'right-pad' })]);

    expect(result.status).toBe(1);
  });

  it('fails on an expired entry, even when the advisory is gone', () => {
    const expired = entry({ expires: '2026-05-31' });

    const withAdvisory = audit(report(HIGH), [expired]);
    const without = audit(report(), [expired]);

    expect(withAdvisory.status).toBe(1);
    expect(withAdvisory.stderr).toContain('expired on 2026-05-31');
    expect(without.status).toBe(1);
    // The last day of an entry still counts.
    expect(audit(report(HIGH), [entry({ expires: TODAY })]).status).toBe(0);
  });

  it('fails on an entry without a reason, a reviewer, a package or a valid date', () => {
    for (const broken of [
      entry({ reason: '' }),
      entry({ reviewed_by: undefined }),
      entry({ package: undefined }),
      entry({ id: undefined }),
      entry({ expires: 'next year' }),
    ]) {
      const result = audit(report(), [broken]);

      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^allowlist: \d+\.json\[0\]: /m);
    }
    expect(audit(report(), { not: 'an array' }).status).toBe(1);
  });

  it('says when an allowlist entry no longer matches anything, so it can be removed', () => {
    const result = audit(report(), [entry()]);

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('left-pad GHSA-aaaa-bbbb-cccc no longer matches; remove it');
  });

  it('fails loudly with exit code 2 when the advisory endpoint cannot be reached', () => {
    // What npm audit prints when the registry refuses the bulk advisory request.
    const refused = {
      message:
        '405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk',
      statusCode: 405,
      body: '',
    };

    const result = audit(refused);
    const garbage = audit('npm ERR! something else entirely');

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('DEPENDENCY AUDIT DID NOT RUN');
    expect(result.stderr).toContain('405 Method Not Allowed');
    expect(result.stderr).toContain('This is not a pass.');
    expect(garbage.status).toBe(2);
  });

  it('with --allow-unreachable, still shouts but exits 0, and still enforces the allowlist', () => {
    const refused = { message: 'getaddrinfo ENOTFOUND', statusCode: undefined };

    const warned = audit(refused, [], '--allow-unreachable');
    const expired = audit(refused, [entry({ expires: '2020-01-01' })], '--allow-unreachable');

    expect(warned.status).toBe(0);
    expect(warned.stderr).toContain('DEPENDENCY AUDIT DID NOT RUN');
    expect(expired.status).toBe(1);
  });

  it('accepts the committed audit-allowlist.json: valid, and nothing in it has expired', () => {
    const result = spawnSync(process.execPath, [script, '--report', file(report())], {
      encoding: 'utf8',
    });

    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
