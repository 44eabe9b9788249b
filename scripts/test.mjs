// `npm test`: install from the lockfile if needed, then run every jest project in ESM mode.
// `--unit` (`npm run test:unit`): only the `*.unit.test.ts` files, without PostgreSQL, Redis or
// RabbitMQ (jest.config.js then leaves its global setup out).
import { spawnSync } from 'node:child_process';
import { ensureInstalled } from './lib/ensure-installed.mjs';

ensureInstalled();
const args = process.argv.slice(2);
const unit = args.includes('--unit');
const jestArgs = unit
  ? [...args.filter((arg) => arg !== '--unit'), '--testPathPatterns', '\\.unit\\.test\\.ts$']
  : args;
const result = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    'node_modules/jest/bin/jest.js',
    ...jestArgs,
  ],
  { stdio: 'inherit', env: unit ? { ...process.env, SECURE_API_TEST_LANE: 'unit' } : process.env },
);
process.exit(result.status ?? 1);
