// Writes k8s/base/prometheus-rule.yaml, the Prometheus Operator's PrometheusRule, from the plain
// rule file, so the two never drift (test/kubernetes.test.ts compares them).
//   node deploy/observability/render-prometheus-rule.mjs
/* eslint-disable security/detect-non-literal-fs-filename -- the two files named below */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { parse, stringify } from 'yaml';

const root = path.resolve(import.meta.dirname, '..', '..');
const source = 'deploy/observability/prometheus/rules/secure-api.rules.yml';
const target = 'k8s/base/prometheus-rule.yaml';

const { groups } = parse(readFileSync(path.join(root, source), 'utf8'));
const rule = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: {
    name: 'secure-api',
    labels: { 'app.kubernetes.io/name': 'secure-api', 'app.kubernetes.io/component': 'monitoring' },
  },
  spec: { groups },
};

const header = [
  `# Generated from ${source}`,
  '# by deploy/observability/render-prometheus-rule.mjs: edit that file and re-run the script.',
  '# Needs the Prometheus Operator, whose ruleSelector must match these labels (kube-prometheus-stack:',
  '# add the label `release: <its release name>` in your overlay).',
  '',
].join('\n');
writeFileSync(
  path.join(root, target),
  header + stringify(rule, { lineWidth: 0, singleQuote: true }),
);
console.log(`wrote ${target}`);
