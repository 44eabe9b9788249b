// Flame summaries alone, old against new: `npm run bench:flames -- --compare <git-rev>` (~3 min).
// Starts both stacks like `npm run bench -- --compare`, profiles the gateway and user-service of
// each under the same authenticated read, and prints the markdown that `npm run bench` also puts
// into docs/performance.md.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { describeRevision, prepareCheckout } from './lib/checkout.mjs';
import { flameSummaries } from './lib/flames.mjs';
import { renderFlames } from './lib/flames-report.mjs';
import { ROOT } from './lib/stack.mjs';
import { startSubject } from './lib/subject.mjs';

const log = (line) => process.stderr.write(`bench: ${line}\n`);
const { values } = parseArgs({ options: { compare: { type: 'string' } } });
if (!values.compare) {
  process.stderr.write('usage: npm run bench:flames -- --compare <git-rev>\n');
  process.exit(2);
}

const built = spawnSync(
  process.execPath,
  [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'],
  { cwd: ROOT, stdio: 'inherit' },
);
if (built.status !== 0) process.exit(1);
const old = prepareCheckout(values.compare, log);
const short = (sha) => sha.slice(0, 7);
const labels = [`old ${short(old.sha)}`, `new ${short(describeRevision('HEAD').sha)}`];
const subjects = [];
try {
  subjects.push(await startSubject({ checkout: old.dir, label: labels[0] }, log));
  subjects.push(await startSubject({ checkout: ROOT, label: 'new' }, log));
  log('profiling the gateway and user-service of each stack');
  const [oldFlames, newFlames] = await flameSummaries(subjects, {
    quick: process.env.BENCH_QUICK === '1',
  });
  process.stdout.write(`${renderFlames(oldFlames, newFlames, labels)}\n`);
} finally {
  await Promise.all(subjects.map(({ stack }) => stack.close()));
}
