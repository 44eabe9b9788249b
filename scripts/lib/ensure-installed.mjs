import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** A fresh checkout has no node_modules: install exactly the lockfile before anything else. */
export function ensureInstalled() {
  if (existsSync('node_modules/.package-lock.json')) return;
  process.stdout.write('Installing dependencies (npm ci)...\n');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write('npm ci failed; see the output above.\n');
    process.exit(result.status ?? 1);
  }
}
