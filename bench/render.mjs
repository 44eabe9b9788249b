// Re-renders a saved bench result (results.json of a run) into the table, e.g. after a change to
// the report's layout: `node bench/render.mjs /tmp/secure-api-bench-XXXX/results.json [--write]`.
/* eslint-disable security/detect-non-literal-fs-filename -- a results file named on the command line */
import { readFileSync } from 'node:fs';

import { renderReport, writeReport } from './lib/report.mjs';

const [file, flag] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/render.mjs <results.json> [--write]\n');
  process.exit(2);
}
const report = renderReport(JSON.parse(readFileSync(file, 'utf8')));
process.stdout.write(`${report.table}\n`);
if (flag === '--write') process.stderr.write(`wrote ${await writeReport(report.markdown)}\n`);
