import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

import { repoRoot } from './support/kubernetes.js';
import {
  observability,
  rules,
  rulesFile,
  runPromtool,
  unknownMetricsIn,
  withPromtool,
} from './support/observability.js';

interface AlertTest {
  alertname: string;
  eval_time: string;
  exp_alerts?: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[];
}

const testsDir = path.join(observability, 'prometheus/tests');
const runbooksDir = path.join(repoRoot, 'docs/runbooks');

const alertRules = rules.filter((r) => r.alert !== undefined);
const ALERTS = [...new Set(alertRules.map((r) => r.alert!))];

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

  it('read only metrics the services (or kube-state-metrics) export, and their own recordings', () => {
    expect(unknownMetricsIn(rules.map((r) => r.expr))).toEqual([]);
  });
});
