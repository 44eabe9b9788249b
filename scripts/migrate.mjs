// `npm run migrate`: create each service's database if missing and apply its migrations, one
// service at a time (the gateway has no database). One line per service; details only on failure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { ensureInstalled } from './lib/ensure-installed.mjs';

process.chdir(path.dirname(import.meta.dirname));

const SERVICES = ['auth-service', 'user-service', 'audit-service'];
const built =
  existsSync('auth-service/dist/migrate.js') &&
  existsSync('user-service/dist/migrate.js') &&
  existsSync('audit-service/dist/migrate.js');

ensureInstalled();
if (!built) {
  process.stdout.write('Building (tsc -b)...\n');
  const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) {
    process.stderr.write('Build failed; see the output above.\n');
    process.exit(build.status ?? 1);
  }
}

/** The child's own one-line reports, and the message and stack of any error it logged. */
function explain(output) {
  const lines = [];
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    if (!line.startsWith('{')) {
      lines.push(line);
      continue;
    }
    try {
      const record = JSON.parse(line);
      if (record.err && (record.level === 'error' || record.level === 'fatal')) {
        lines.push(`  ${record.msg ?? 'error'}: ${record.err.stack ?? record.err.message}`);
      }
    } catch {
      lines.push(line);
    }
  }
  return lines.length > 0 ? lines : [output.trim()];
}

const width = Math.max(...SERVICES.map((s) => s.length));
for (const service of SERVICES) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [path.join(service, 'dist', 'migrate.js')], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status === 0) {
    process.stdout.write(`${service.padEnd(width)}  migrated (${seconds} s)\n`);
    continue;
  }
  const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
  const details = explain(`${result.stderr ?? ''}\n${result.stdout ?? ''}`);
  if (details.length === 1) {
    // The usual case: the service's own one-line reason, e.g. PostgreSQL unreachable.
    const reason = details[0].replace(`${service}: `, '');
    process.stderr.write(`${service.padEnd(width)}  FAILED: ${reason}\n`);
  } else {
    process.stderr.write(`${service.padEnd(width)}  FAILED (${why})\n${details.join('\n')}\n`);
  }
  process.exit(result.status || 1);
}
