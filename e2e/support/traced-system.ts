/**
 * The four services as real child processes of their build, exporting traces to `endpoint`. The
 * in-process system (system.ts) cannot be traced: jest runs it under vm modules, where the
 * instrumentations' module patching never takes hold, and an in-memory exporter swapped in would
 * not prove what leaves a real process anyway.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';

import amqp from 'amqplib';

import {
  backendPorts,
  closedPort,
  createTestDatabase,
  FAST_ARGON2,
  MailCatcher,
  systemEnv,
  testUrls,
  uniqueName,
  type TestDatabase,
} from '@secure-api/shared/testing';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CORS_ORIGINS = 'https://app.example.com';
const START_TIMEOUT_MS = 60_000;

export interface TracedSystem {
  gateway: string;
  authDatabaseUrl: string;
  /** Everything each service wrote to stdout (its JSON log lines), by service name. */
  logs: Map<string, string>;
  close(): Promise<void>;
}

/** Compiles the services (incremental: quick when dist/ is current), as the images' build does. */
export function buildServices(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'pipe',
  });
}

async function answers(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer (exit code ${String(child.exitCode)})`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 16_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startTracedSystem(
  label: string,
  otel: Record<string, string>,
): Promise<TracedSystem> {
  const databases: TestDatabase[] = [];
  const database = async (name: string) => {
    const db = await createTestDatabase(`${label}_${name}`);
    databases.push(db);
    return db.url;
  };
  const ports = { ...(await backendPorts()), gateway: await closedPort() };
  ports.gatewayAdmin = await closedPort();
  const auditQueue = uniqueName(`${label}_audit_q`);
  const env = systemEnv({
    ports,
    databases: {
      auth: await database('auth'),
      users: await database('users'),
      audit: await database('audit'),
    },
    redis: testUrls.redis,
    amqp: testUrls.amqp,
    redisKeyPrefix: `${label}-${randomUUID().slice(0, 8)}:`,
    auditQueue,
  });
  const mail = await MailCatcher.start();
  const children: ChildProcess[] = [];
  const logs = new Map<string, string>();

  const start = async (name: string, serviceEnv: Record<string, string>, health: string) => {
    const child = spawn(process.execPath, [path.join(name, 'dist', 'index.js')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        DOCS_ENABLED: 'false',
        ...serviceEnv,
        ...otel,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    logs.set(name, '');
    const keep = (chunk: Buffer) => logs.set(name, (logs.get(name) ?? '') + chunk.toString());
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    await answers(health, child);
  };

  const close = async () => {
    // The gateway first, then the backends, as an orchestrator drains them.
    for (const child of children.reverse()) await stop(child);
    await mail.stop();
    for (const db of databases) await db.drop().catch(() => undefined);
    // Durable queues bound to the shared exchange would collect every later run's events.
    const connection = await amqp.connect(testUrls.amqp);
    const channel = await connection.createChannel();
    for (const queue of [auditQueue, `${auditQueue}.dlq`])
      await channel.deleteQueue(queue).catch(() => undefined);
    await connection.close();
  };

  try {
    const local = (port: number) => `http://127.0.0.1:${String(port)}`;
    await start('user-service', env.users, `${local(ports.users)}/health/live`);
    await start('audit-service', env.audit, `${local(ports.audit)}/health/ready`);
    await start(
      'auth-service',
      {
        ...env.auth,
        ...FAST_ARGON2,
        CORS_ORIGINS,
        COOKIE_SECURE: 'false',
        SMTP_URL: mail.url,
        LOGIN_RATE_LIMIT: '1000/minute',
      },
      `${local(ports.auth)}/health/ready`,
    );
    await start(
      'gateway',
      {
        ...env.gateway,
        CORS_ORIGINS,
        RATE_LIMIT_PER_MINUTE: '10000',
        LOGIN_RATE_LIMIT: '1000/minute',
        REFRESH_RATE_LIMIT: '1000/minute',
      },
      `${local(ports.gatewayAdmin)}/health/ready`,
    );
  } catch (error) {
    await close();
    throw error;
  }
  return {
    gateway: `http://127.0.0.1:${String(ports.gateway)}`,
    authDatabaseUrl: env.auth.DATABASE_URL ?? '',
    logs,
    close,
  };
}
