import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';

import {
  DASHBOARD_METRICS,
  metricsOf,
  observability,
  runPromtool,
  unknownMetricsIn,
  withPromtool,
} from './support/observability.js';

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string }[];
}

// The dashboard the compose profile's Grafana provisions (test/compose.test.ts checks the mount).
const dashboard = JSON.parse(
  readFileSync(path.join(observability, 'grafana/dashboards/secure-api.json'), 'utf8'),
) as { panels: Panel[] };

describe('the Grafana dashboard', () => {
  const panels = dashboard.panels.filter((p) => p.type !== 'row');
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

  it('reads only metrics the services export', () => {
    expect(unknownMetricsIn(exprs)).toEqual([]);
  });

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
    const scratch = mkdtempSync(path.join(tmpdir(), 'dashboard-'));
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
    rmSync(scratch, { recursive: true, force: true });
    expect({ status: result.status, out: result.stdout + result.stderr }).toEqual({
      status: 0,
      out: expect.stringContaining(`SUCCESS: ${exprs.length} rules found`),
    });
  });
});
