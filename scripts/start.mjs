// `npm start`: install if needed, build, check the local dependencies, then run all four services
// (and, unless SMTP_URL names a real relay, the development mail sink) with prefixed logs until
// Ctrl-C. Only Node built-ins here: node_modules may not exist yet.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { constants } from 'node:os';
import path from 'node:path';

import { ensureInstalled } from './lib/ensure-installed.mjs';
import { localSinkPort, MAIL_SINK, SINK_PORT, SINK_URL } from './lib/local-smtp.mjs';
import { pipeLines } from './lib/log-lines.mjs';
import { stopChild, STOP_GRACE_MS, waitForHttp } from './lib/service-process.mjs';

process.chdir(path.dirname(import.meta.dirname));

// A local .env (git-ignored; see .env.example) fills in what the shell did not set.
if (existsSync('.env')) process.loadEnvFile('.env');

const HOW_TO_START = 'start it with `docker compose up -d postgres redis rabbitmq`';
const DEPENDENCIES = [
  { name: 'PostgreSQL', env: 'DATABASE_URL', fallback: 'postgres://postgres@127.0.0.1:5432' },
  { name: 'Redis', env: 'REDIS_URL', fallback: 'redis://127.0.0.1:6379' },
  { name: 'RabbitMQ', env: 'AMQP_URL', fallback: 'amqp://guest:guest@127.0.0.1:5672' },
];
const DEFAULT_PORTS = new Map(
  Object.entries({
    'postgres:': 5432,
    'postgresql:': 5432,
    'redis:': 6379,
    'rediss:': 6379,
    'amqp:': 5672,
    'amqps:': 5671,
  }),
);
// The backends first, the gateway once they answer.
const BACKENDS = [
  { name: 'user-service', portEnv: 'USERS_PORT', port: 8082, colour: 35 },
  { name: 'audit-service', portEnv: 'AUDIT_PORT', port: 8083, colour: 33 },
  { name: 'auth-service', portEnv: 'AUTH_PORT', port: 8081, colour: 32 },
];
const GATEWAY = { name: 'gateway', portEnv: 'GATEWAY_PORT', port: 8080, colour: 36 };
const SERVICES = [...BACKENDS, GATEWAY];
const NAME_WIDTH = Math.max(...[...SERVICES, MAIL_SINK].map((s) => s.name.length));
const SINK_WAIT_MS = 10_000;
const BACKEND_WAIT_MS = 60_000;
const GATEWAY_WAIT_MS = 60_000;

function say(line) {
  process.stdout.write(`${line}\n`);
}
const fail = (line, code = 1) => {
  process.stderr.write(`${line}\n`);
  process.exit(code);
};
const portOf = (service) => Number(process.env[service.portEnv] || service.port);
// Services bind HOST (default 127.0.0.1); a wildcard bind still answers on loopback.
const host =
  !process.env.HOST || ['0.0.0.0', '::'].includes(process.env.HOST)
    ? '127.0.0.1'
    : process.env.HOST;
const hostForUrl = host.includes(':') ? `[${host}]` : host;

function canConnect(hostname, port, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!stopping && Date.now() < deadline) {
    if (await canConnect('127.0.0.1', port, 500)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** Every dependency answers a TCP connect, or one line names those that do not. */
async function checkDependencies() {
  const targets = DEPENDENCIES.map((dep) => {
    let url;
    try {
      url = new URL(process.env[dep.env] || dep.fallback);
    } catch {
      // Never echo the value: it may hold a password.
      fail(`${dep.env} is not a valid URL (${dep.name}).`);
    }
    const port = Number(url.port || DEFAULT_PORTS.get(url.protocol));
    return {
      ...dep,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      address: `${url.hostname}:${port}`,
      port,
    };
  });
  const results = await Promise.all(targets.map((t) => canConnect(t.hostname, t.port)));
  const down = targets.filter((_t, i) => !results.at(i));
  if (down.length === 0) return;
  const names = down.map((d) => `${d.name} (${d.address})`).join(', ');
  const verb = down.length === 1 ? 'is' : 'are';
  const how = down.length === 1 ? HOW_TO_START : HOW_TO_START.replace('start it', 'start them');
  fail(`${names} ${verb} unreachable: ${how} (or set ${down.map((d) => d.env).join(', ')}).`);
}

/**
 * Whether to run the mail sink: when SMTP_URL is unset (the services then get the sink's URL) or
 * names a free local port. A local SMTP_URL that already answers is someone's own sink.
 */
async function needsMailSink() {
  const port = localSinkPort(process.env.SMTP_URL);
  if (port === undefined) return false;
  if (!(await canConnect('127.0.0.1', port, 500))) return true;
  if (process.env.SMTP_URL) {
    say(`SMTP_URL (port ${port}) already answers: mail goes there, no mail sink started.`);
    return false;
  }
  return fail(
    `Port ${SINK_PORT} (mail sink) is already in use: is another \`npm start\` running? ` +
      '(or set SMTP_URL)',
  );
}

async function checkPortsFree() {
  for (const service of SERVICES) {
    if (await canConnect(host, portOf(service), 500)) {
      fail(
        `Port ${portOf(service)} (${service.name}) is already in use: is another \`npm start\` running? ` +
          `(or set ${service.portEnv})`,
      );
    }
  }
}

// ---- children -------------------------------------------------------------------------------

const children = new Map();
let stopping = false;

const entryOf = (service) => service.entry ?? path.join(service.name, 'dist', 'index.js');

function startService(service, env) {
  const child = spawn(process.execPath, [entryOf(service)], {
    // Four services from one shell: an OTEL_SERVICE_NAME set there would give all their spans one
    // name, so each names its own. The endpoint and the other OTEL_* variables pass through.
    env: Object.fromEntries(Object.entries(env).filter(([name]) => name !== 'OTEL_SERVICE_NAME')),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => {
    const onExit = (code, signal) => {
      if (!children.has(service.name)) return;
      children.delete(service.name);
      resolve();
      if (!stopping) void onUnexpectedExit(service, code, signal);
    };
    child.once('exit', onExit);
    child.once('error', (error) => {
      process.stderr.write(`${service.name}: ${error.message}\n`);
      // A spawn failure emits no 'exit'.
      if (child.pid === undefined) onExit(1, null);
    });
  });
  pipeLines(child.stdout, process.stdout, service, NAME_WIDTH);
  pipeLines(child.stderr, process.stderr, service, NAME_WIDTH);
  children.set(service.name, { child, exited });
}

async function stopAll() {
  const onForce = (name) => () => {
    process.stderr.write(`${name} did not stop within ${STOP_GRACE_MS / 1000} s; killing it\n`);
  };
  const stop = (entries) =>
    Promise.all(
      entries.map(async ([name, { child, exited }]) => {
        await stopChild(child, { onForce: onForce(name) });
        await exited;
      }),
    );
  const running = [...children.entries()];
  // The mail sink last: a service still relaying a mail as it drains gets it through.
  await stop(running.filter(([name]) => name !== MAIL_SINK.name));
  await stop(running.filter(([name]) => name === MAIL_SINK.name));
}

async function onUnexpectedExit(service, code, signal) {
  stopping = true;
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  process.stderr.write(`${service.name} ${how}; stopping the other services\n`);
  await stopAll();
  // An exit we did not ask for is a failure even when the child itself reported success.
  const status = signal
    ? 128 + (new Map(Object.entries(constants.signals)).get(signal) ?? 0)
    : code || 1;
  process.exit(status);
}

function shutDown(reason) {
  if (stopping) {
    // Second Ctrl-C: don't wait for the drain.
    for (const { child } of children.values()) child.kill('SIGKILL');
    return;
  }
  stopping = true;
  const hint = reason.startsWith('SIG') ? ' (Ctrl-C again to force)' : '';
  say(`\n${reason}; stopping the services${hint}`);
  void stopAll().then(() => {
    say('All services stopped.');
    process.exit(0);
  });
}

// ---- main -----------------------------------------------------------------------------------

ensureInstalled();
say('Building (tsc -b)...');
const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
if (build.status !== 0) fail('Build failed; see the output above.', build.status ?? 1);
await checkDependencies();
await checkPortsFree();
const withMailSink = await needsMailSink();

const env = {
  ...process.env,
  NODE_ENV: process.env.NODE_ENV || 'development',
  // Local development is plain HTTP: a Secure cookie would never come back.
  COOKIE_SECURE: process.env.COOKIE_SECURE || 'false',
  SMTP_URL: process.env.SMTP_URL || SINK_URL,
};
await run(env);

async function run(env) {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      shutDown(`${signal} received`);
    });
  }
  // A SIGTERM sent to `npm start` reaches only its shell, which dies and leaves us behind: don't
  // outlive the parent.
  const parent = process.ppid;
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch (error) {
      if (error.code === 'ESRCH') shutDown('The parent process is gone');
    }
  }, 1000).unref();

  if (withMailSink) {
    startService(MAIL_SINK, env);
    const sinkUp = await waitForPort(localSinkPort(env.SMTP_URL), SINK_WAIT_MS);
    if (stopping) return;
    if (!sinkUp) {
      process.stderr.write(
        `mail-sink is not answering yet; mail waits in the outbox until it does\n`,
      );
    }
  }

  // The services believe X-Forwarded-For only from the gateway, which runs on this machine.
  const backendEnv = { ...env, TRUSTED_PROXIES: '127.0.0.1/32,::1/128' };
  for (const service of BACKENDS) startService(service, backendEnv);
  const backendsUp = await Promise.all(
    BACKENDS.map((s) =>
      waitForHttp(`http://${hostForUrl}:${portOf(s)}/health/live`, {
        timeoutMs: BACKEND_WAIT_MS,
        giveUp: () => stopping,
      }),
    ),
  );
  // A child failed or Ctrl-C: the handlers take it from here.
  if (stopping) return;
  BACKENDS.forEach((s, i) => {
    if (!backendsUp.at(i))
      process.stderr.write(`${s.name} is not answering yet; starting the gateway anyway\n`);
  });

  startService(GATEWAY, env);
  const gatewayUp = await waitForHttp(`http://${hostForUrl}:${portOf(GATEWAY)}/health`, {
    timeoutMs: GATEWAY_WAIT_MS,
    giveUp: () => stopping,
  });
  if (gatewayUp) {
    const shown = host === '127.0.0.1' ? 'localhost' : hostForUrl;
    say(`\nGateway ready: http://${shown}:${portOf(GATEWAY)}  (Ctrl-C to stop)\n`);
  } else if (!stopping) {
    process.stderr.write(`gateway did not answer /health within ${GATEWAY_WAIT_MS / 1000} s\n`);
  }
}
