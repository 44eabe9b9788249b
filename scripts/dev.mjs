// `npm run dev -- <service>`: one service from its sources under `tsx watch`, restarted on every
// change to it or to shared (the root tsconfig.json maps @secure-api/shared to shared/src). It
// reads the same variables as the built service; a local .env fills in what the shell did not set.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { ensureInstalled } from './lib/ensure-installed.mjs';

const SERVICES = ['gateway', 'auth-service', 'user-service', 'audit-service'];

process.chdir(path.dirname(import.meta.dirname));
const service = process.argv[2];
if (!SERVICES.includes(service)) {
  process.stderr.write(`usage: npm run dev -- <${SERVICES.join('|')}>\n`);
  process.exit(2);
}
if (existsSync('.env')) process.loadEnvFile('.env');
ensureInstalled();

const child = spawn(
  process.execPath,
  [
    'node_modules/tsx/dist/cli.mjs',
    'watch',
    '--tsconfig',
    'tsconfig.json',
    path.join(service, 'src', 'index.ts'),
  ],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_ENV: process.env.NODE_ENV || 'development',
      // Local development is plain HTTP, as with `npm start`: a Secure cookie would never come back.
      COOKIE_SECURE: process.env.COOKIE_SECURE || 'false',
    },
  },
);
// tsx watch stops its child on these; pass them on and leave with its status.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
