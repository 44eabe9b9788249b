import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { repoRoot } from './support/kubernetes.js';

const SERVICES = ['shared', 'gateway', 'auth-service', 'user-service', 'audit-service'];
// Where a metric is defined: prom-client's classes, or shared's helpers over them.
const DEFINES_METRICS = /new client\.(Counter|Gauge|Histogram)|create(Counter|Gauge|Histogram)\(/;
const METRIC_NAME = /name: '([a-z][a-z0-9_]*)'/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every metric name a service's source defines. */
function definedMetrics(): string[] {
  const names = SERVICES.flatMap((service) => sourceFiles(path.join(repoRoot, service, 'src')))
    .map((file) => readFileSync(file, 'utf8'))
    .filter((text) => DEFINES_METRICS.test(text))
    .flatMap((text) => [...text.matchAll(METRIC_NAME)].map((match) => match[1] ?? ''));
  return [...new Set(names)].sort();
}

/** The first column of the README's metrics table. */
function documentedMetrics(): string[] {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Metrics'));
  const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| Metric')));
  return [...table.matchAll(/^\| `([a-z0-9_]+)`/gm)].map((match) => match[1] ?? '').sort();
}

describe('the README metrics table', () => {
  it('documents every metric the services define, and only those', () => {
    const defined = definedMetrics();

    expect(defined).toContain('auth_logins_total');
    expect(defined).toContain('audit_chain_valid');
    expect(documentedMetrics()).toEqual(defined);
  });
});
