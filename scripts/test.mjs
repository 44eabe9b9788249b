// `npm test`: install from the lockfile if needed, then run every jest project in ESM mode.
import { spawnSync } from 'node:child_process';
import { ensureInstalled } from './lib/ensure-installed.mjs';

ensureInstalled();
const result = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    'node_modules/jest/bin/jest.js',
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
