// Re-renders a saved bench result (results.json of a run, `--compare` or not) into the table, e.g.
// after a change to the report's layout:
//   npx tsx bench/render.mjs /tmp/secure-api-bench-XXXX/results.json [--write]
/* eslint-disable security/detect-non-literal-fs-filename -- a results file named on the command line */
import { readFileSync } from 'node:fs';

import { renderCompare } from './lib/compare-report.mjs';
import { renderReport, writeReport } from './lib/report.mjs';

const [file, flag] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: npx tsx bench/render.mjs <results.json> [--write]\n');
  process.exit(2);
}
const results = JSON.parse(readFileSync(file, 'utf8'));
// A `--compare` run saves both stacks and the revisions; a single run saves one stack's figures.
const report = results.compare ? renderCompare(results) : renderReport(results);
process.stdout.write(`${report.table}\n`);
if (flag === '--write') process.stderr.write(`wrote ${await writeReport(report.markdown)}\n`);
