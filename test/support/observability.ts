import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { it } from '@jest/globals';
import { parse } from 'yaml';

import { repoRoot } from './kubernetes.js';

export const observability = path.join(repoRoot, 'deploy/observability');
export const rulesFile = path.join(observability, 'prometheus/rules/secure-api.rules.yml');

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export const rules = (
  parse(readFileSync(rulesFile, 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((g) => g.rules);

// ---- promtool ------------------------------------------------------------------------------------

// promtool comes with Prometheus (Debian: apt-get install prometheus; .ci/run installs it). Where it
// is missing its checks are skipped, saying so, and the rest still runs.
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
if (!hasPromtool) {
  process.stderr.write(
    'promtool not found: the promtool checks of test/alert-rules.test.ts and ' +
      'test/grafana-dashboard.test.ts are SKIPPED. Install it with ' +
      '`apt-get install --no-install-recommends prometheus` (.ci/run does).\n',
  );
}
export const withPromtool: typeof it.skip = hasPromtool ? it : it.skip;
export const runPromtool = (...args: string[]) =>
  spawnSync('promtool', args, { encoding: 'utf8', cwd: repoRoot });

// ---- metric names --------------------------------------------------------------------------------

// The metrics the services export that the dashboard must show (README, Operations: the metrics
// table; `_bucket`/`_count` of a histogram count as the histogram).
export const DASHBOARD_METRICS = [
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

// What else the rules and the dashboard may read: the other counters of the services, the process
// metrics, kube-state-metrics, and the rules' own recordings. A misspelt name is none of these.
export const KNOWN_METRICS = new Set([
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

/** The metric names a PromQL expression reads (labels, ranges and function names left out). */
export const metricsOf = (expr: string) =>
  expr
    .replace(/"[^"]*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .match(/[a-z_:][a-z0-9_:]*/g)!
    .filter((t) => /[_:]/.test(t) && !['histogram_quantile', 'label_values'].includes(t))
    .map((t) => t.replace(/_(bucket|count|sum)$/, ''));

export const unknownMetricsIn = (exprs: string[]) =>
  [...new Set(exprs.flatMap(metricsOf))].filter((m) => !KNOWN_METRICS.has(m));
