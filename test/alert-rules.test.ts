import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';
import { parse, stringify } from 'yaml';

import { repoRoot } from './support/kubernetes.js';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface AlertTest {
  alertname: string;
  eval_time: string;
  exp_alerts?: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[];
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string }[];
}

const observability = path.join(repoRoot, 'deploy/observability');
const rulesFile = path.join(observability, 'prometheus/rules/secure-api.rules.yml');
const testsDir = path.join(observability, 'prometheus/tests');
const runbooksDir = path.join(repoRoot, 'docs/runbooks');
const dashboardFile = path.join(observability, 'grafana/dashboards/secure-api.json');

const rules = (
  parse(readFileSync(rulesFile, 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((g) => g.rules);
const alertRules = rules.filter((r) => r.alert !== undefined);
const ALERTS = [...new Set(alertRules.map((r) => r.alert!))];
const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as { panels: Panel[] };

/** LatencySLOBurn -> latency-slo-burn: the name of its runbook page and of its promtool tests. */
const kebab = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
const filesIn = (dir: string, suffix: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .map((f) => f.slice(0, -suffix.length))
    .sort();

// promtool comes with Prometheus (Debian: apt-get install prometheus; .ci/run installs it).
const promtool = spawnSync('promtool', ['--version']).status === 0;
if (!promtool) {
  process.stderr.write(
    'promtool not found: the promtool checks of test/alert-rules.test.ts are SKIPPED. ' +
      'Install it with `apt-get install --no-install-recommends prometheus` (.ci/run does).\n',
  );
}
const withPromtool = promtool ? it : it.skip;
const runPromtool = (...args: string[]) =>
  spawnSync('promtool', args, { encoding: 'utf8', cwd: repoRoot });

const scratch = mkdtempSync(path.join(tmpdir(), 'alert-rules-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('alert rules', () => {
  withPromtool('pass promtool check rules', () => {
    const result = runPromtool('check', 'rules', rulesFile);
    expect({ status: result.status, out: result.stdout }).toEqual({
      status: 0,
      out: expect.stringContaining(`SUCCESS: ${rules.length} rules found`),
    });
  });

  it('cover every alert issue #15 asks for, each with a severity, a summary and a description', () => {
    expect([...ALERTS].sort()).toEqual(
      [
        'AuditChainBroken',
        'HighErrorRatio',
        'LatencySLOBurn',
        'LoginFailureSpike',
        'OutboxStalled',
        'PodNotReady',
        'RedisUnavailable',
        'RefreshTokenReuse',
        'SecurityEventsLost',
      ].sort(),
    );
    for (const rule of alertRules) {
      expect([rule.alert, ['critical', 'warning'].includes(rule.labels?.severity ?? '')]).toEqual([
        rule.alert,
        true,
      ]);
      expect(Object.keys(rule.annotations ?? {}).sort()).toEqual([
        'description',
        'runbook_url',
        'summary',
      ]);
    }
  });

  it('link each alert to its runbook page, and every page belongs to an alert', () => {
    for (const rule of alertRules) {
      const url = rule.annotations?.runbook_url ?? '';
      expect([rule.alert, url.endsWith(`/docs/runbooks/${kebab(rule.alert!)}.md`)]).toEqual([
        rule.alert,
        true,
      ]);
    }
    const pages = filesIn(runbooksDir, '.md').filter((p) => p !== 'README');
    expect(pages).toEqual(ALERTS.map(kebab).sort());
    for (const alert of ALERTS) {
      const page = readFileSync(path.join(runbooksDir, `${kebab(alert)}.md`), 'utf8');
      expect(page.split('\n')[0]).toBe(`# ${alert}`);
      for (const section of ['## What it means', '## Confirm', '## What to do']) {
        expect([alert, page.includes(section)]).toEqual([alert, true]);
      }
    }
    const index = readFileSync(path.join(runbooksDir, 'README.md'), 'utf8');
    for (const alert of ALERTS) expect(index).toContain(`[${alert}](${kebab(alert)}.md)`);
  });

  it('have a promtool test file per alert, and none without one', () => {
    expect(filesIn(testsDir, '.test.yml')).toEqual(ALERTS.map(kebab).sort());
  });

  describe.each(ALERTS)('%s', (alert) => {
    const file = path.join(testsDir, `${kebab(alert)}.test.yml`);
    const cases = (
      parse(readFileSync(file, 'utf8')) as { tests: { alert_rule_test: AlertTest[] }[] }
    ).tests.flatMap((t) => t.alert_rule_test);

    it('is tested both firing, with its runbook link, and staying quiet, in its own file', () => {
      expect([...new Set(cases.map((c) => c.alertname))]).toEqual([alert]);
      const firing = cases.flatMap((c) => c.exp_alerts ?? []);
      expect(firing.length).toBeGreaterThan(0);
      expect(cases.some((c) => (c.exp_alerts ?? []).length === 0)).toBe(true);
      const url = alertRules.find((r) => r.alert === alert)!.annotations!.runbook_url;
      for (const expected of firing) expect(expected.exp_annotations?.runbook_url).toBe(url);
    });

    withPromtool('passes promtool test rules on its synthetic series', () => {
      const result = runPromtool('test', 'rules', file);
      expect({ status: result.status, out: result.stdout + result.stderr }).toEqual({
        status: 0,
        out: expect.stringContaining('SUCCESS'),
      });
    });
  });

  withPromtool('fail their promtool test when a threshold moves (the tests can fail)', () => {
    cpSync(path.join(observability, 'prometheus'), path.join(scratch, 'prometheus'), {
      recursive: true,
    });
    const moved = path.join(scratch, 'prometheus/rules/secure-api.rules.yml');
    const text = readFileSync(moved, 'utf8');
    expect(text).toContain('(outbox_oldest_pending_age_seconds) > 60');
    // 60 s -> 600 s: the test that holds an age of 61 s must now fail.
    writeFileSync(moved, text.replace('(outbox_oldest_pending_age_seconds) > 60', '$&0'));
    const result = runPromtool(
      'test',
      'rules',
      path.join(scratch, 'prometheus/tests/outbox-stalled.test.yml'),
    );
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toContain('alertname: OutboxStalled, time: 2m');
  });
});

// ---- the Grafana dashboard -----------------------------------------------------------------------

// The metric contract the dashboard shows (README, Operations: the metrics table).
const DASHBOARD_METRICS = [
  'http_request_duration_seconds',
  'http_unexpected_errors_total',
  'auth_logins_total',
  'auth_refresh_reuse_detected_total',
  'revocation_checks_total',
  'redis_up',
  'gateway_rate_limited_total',
  'gateway_events_dropped_total',
  'gateway_events_published_total',
  'auth_hash_queue_depth',
  'auth_hash_queue_wait_seconds',
  'auth_hash_queue_rejections_total',
  'outbox_pending_events',
  'outbox_oldest_pending_age_seconds',
  'db_pool_connections',
  'db_pool_max',
  'audit_consumer_lag_seconds',
  'audit_queue_messages',
  'audit_dead_lettered_total',
  'audit_chain_verifications_total',
  'audit_chain_valid',
  'audit_events_stored_total',
  'nodejs_eventloop_lag_p99_seconds',
];

/** The metric names a PromQL expression reads (labels, ranges and function names left out). */
const metricsOf = (expr: string) =>
  expr
    .replace(/"[^"]*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .match(/[a-z_:][a-z0-9_:]*/g)!
    .filter((t) => /[_:]/.test(t) && !['histogram_quantile', 'label_values'].includes(t))
    .map((t) => t.replace(/_(bucket|count|sum)$/, ''));

// What else the rules and the dashboard may read: the other counters of the services, the process
// metrics, kube-state-metrics, and the rules' own recordings. A misspelt name fails here.
const KNOWN_METRICS = new Set([
  ...DASHBOARD_METRICS,
  'audit_events_duplicate_total',
  'audit_events_unproven_total',
  'audit_invalid_messages_total',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'kube_pod_status_ready',
  'kube_pod_status_phase',
  ...rules.flatMap((r) => (r.record ? [r.record] : [])),
]);

describe('the rules and the dashboard', () => {
  it('read only metrics the services (or kube-state-metrics) export', () => {
    const read = [
      ...rules.map((r) => r.expr),
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ];
    expect([...new Set(read.flatMap(metricsOf))].filter((m) => !KNOWN_METRICS.has(m))).toEqual([]);
  });
});

describe('the Grafana dashboard', () => {
  const panels = dashboard.panels.filter((p) => p.type !== 'row');
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

  it('shows RED per service, every security metric and the saturation signals', () => {
    const shown = new Set(exprs.flatMap(metricsOf));
    expect(DASHBOARD_METRICS.filter((m) => !shown.has(m))).toEqual([]);
    expect(dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual([
      'Requests per service (rate, errors, duration)',
      'Security',
      'Saturation',
    ]);
  });

  it('queries through the chosen data source, with unique panel ids and no overlapping panels', () => {
    expect(panels.every((p) => p.datasource?.uid === '${datasource}')).toBe(true);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const { gridPos: g } of dashboard.panels) {
      expect(g.x + g.w).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x += 1) {
        for (let y = g.y; y < g.y + g.h; y += 1) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  withPromtool('has only queries Prometheus parses', () => {
    // Grafana's variables as Prometheus would see them once substituted.
    const concrete = (expr: string) =>
      expr
        .replaceAll('$__rate_interval', '5m')
        .replaceAll('$__range', '3h')
        .replaceAll('$service', '.*');
    const file = path.join(scratch, 'dashboard-queries.yml');
    writeFileSync(
      file,
      stringify({
        groups: [
          {
            name: 'dashboard',
            rules: exprs.map((expr, i) => ({
              record: `dashboard:query_${i}`,
              expr: concrete(expr),
            })),
          },
        ],
      }),
    );
    const result = runPromtool('check', 'rules', file);
    expect({ status: result.status, out: result.stdout + result.stderr }).toEqual({
      status: 0,
      out: expect.stringContaining(`SUCCESS: ${exprs.length} rules found`),
    });
  });
});
