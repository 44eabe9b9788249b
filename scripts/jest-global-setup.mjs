// jest globalSetup: the tests need PostgreSQL, Redis and RabbitMQ (TEST_DATABASE_URL, TEST_REDIS_URL,
// TEST_AMQP_URL, defaulting to the local services). Whatever does not answer is started with
// testcontainers when a Docker engine is available; otherwise the run stops with one clear line.
// The common case, everything local and up, costs three loopback TCP connects.
import { spawnSync } from 'node:child_process';
import net from 'node:net';

const DEPENDENCIES = [
  {
    name: 'PostgreSQL',
    env: 'TEST_DATABASE_URL',
    fallback: 'postgres://postgres@127.0.0.1:5432',
    defaultPort: 5432,
    start: async () => {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:16-alpine')
        .withUsername('postgres')
        .withPassword('postgres')
        .start();
      // A server URL: the tests and services append their own database names.
      const url = new URL(container.getConnectionUri());
      url.pathname = '';
      return { container, url: url.toString() };
    },
  },
  {
    name: 'Redis',
    env: 'TEST_REDIS_URL',
    fallback: 'redis://127.0.0.1:6379',
    defaultPort: 6379,
    start: async () => {
      const { RedisContainer } = await import('@testcontainers/redis');
      const container = await new RedisContainer('redis:7-alpine').start();
      return { container, url: container.getConnectionUrl() };
    },
  },
  {
    name: 'RabbitMQ',
    env: 'TEST_AMQP_URL',
    fallback: 'amqp://guest:guest@127.0.0.1:5672',
    defaultPort: 5672,
    start: async () => {
      const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
      const container = await new RabbitMQContainer('rabbitmq:3.13-alpine').start();
      return { container, url: container.getAmqpUrl() };
    },
  },
];

function canConnect(host, port, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** One line, no stack: jest prints the error as it is. */
function failure(message) {
  const error = new Error(message);
  error.stack = message;
  return error;
}

/** host:port of a URL, never its credentials. */
function address(dep) {
  const value = process.env[dep.env] || dep.fallback;
  let url;
  try {
    url = new URL(value);
  } catch {
    throw failure(`${dep.env} is not a valid URL.`);
  }
  const port = Number(url.port || dep.defaultPort);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port, shown: `${url.hostname}:${port}` };
}

function dockerAvailable() {
  const result = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15_000 });
  return result.status === 0;
}

export default async function globalSetup() {
  const targets = DEPENDENCIES.map((dep) => ({ dep, ...address(dep) }));
  const up = await Promise.all(targets.map((t) => canConnect(t.host, t.port)));
  const down = targets.filter((_t, i) => !up.at(i));
  if (down.length === 0) return;

  if (!dockerAvailable()) {
    const names = down.map((t) => `${t.dep.name} (${t.shown})`).join(', ');
    const [verb, pronoun] = down.length === 1 ? ['is', 'it'] : ['are', 'them'];
    const vars = down.map((t) => t.dep.env).join(', ');
    throw failure(
      `${names} ${verb} unreachable and no Docker engine is running for testcontainers: ` +
        `start ${pronoun} with \`docker compose up -d postgres redis rabbitmq\` (or set ${vars}).`,
    );
  }

  const started = [];
  // jest-global-teardown.mjs runs in this same process and stops them.
  globalThis.secureApiTestContainers = started;
  const results = await Promise.allSettled(
    down.map(async ({ dep, shown }) => {
      process.stderr.write(`${dep.name} is not answering at ${shown}; starting it in Docker...\n`);
      const { container, url } = await dep.start();
      started.push(container);
      // Workers are forked after globalSetup, so they inherit this.
      process.env[dep.env] = url;
      process.stderr.write(`${dep.name} container ready at ${new URL(url).host}\n`);
    }),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    // jest skips globalTeardown when globalSetup throws.
    await Promise.allSettled(started.map((c) => c.stop()));
    throw failed.reason;
  }
}
