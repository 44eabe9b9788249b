/**
 * The gateway image's runtime stage, reproduced without Docker: the files its COPY instructions
 * take from the build context, its `npm ci` run from the lockfile with npm's local cache only, the
 * compiled output it copies from the build stage. Then: no database or mail library is installed,
 * and the gateway starts from exactly what is there. What this cannot see is the base image; the
 * Dockerfile checks (dockerfiles.test.ts) pin that.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { closedPort, systemEnv, testUrls, uniqueName } from '@secure-api/shared/testing';

import { parseDockerfile } from './support/dockerfile.js';
import { repoRoot } from './support/kubernetes.js';

/** What the gateway never uses; lint keeps its code off the entry points that load them. */
const NOT_IN_GATEWAY_IMAGE = ['pg', 'pg-hstore', 'sequelize', 'umzug', 'nodemailer'];

const stages = parseDockerfile(readFileSync(path.join(repoRoot, 'gateway/Dockerfile'), 'utf8'));
const runtime = stages.at(-1)!;
// The build stage compiles the build context in its WORKDIR; its /src/x is the repository's x.
const buildDir = stages
  .find((s) => s.name === 'build')!
  .instructions.find((i) => i.keyword === 'WORKDIR')!.args;
const copies = runtime.instructions
  .filter((i) => i.keyword === 'COPY')
  .map((i) => i.args.split(/\s+/));
const fromContext = copies.filter((words) => !words[0]!.startsWith('--'));
const fromBuild = copies.filter((words) => words[0]!.startsWith('--from='));
// The install itself, up to the cache cleanup that follows it in the same RUN.
const install = runtime.instructions
  .filter((i) => i.keyword === 'RUN' && i.args.startsWith('npm ci'))
  .map((i) => i.args.split('&&')[0]!.trim().split(/\s+/).slice(1))[0]!;

const app = mkdtempSync(path.join(tmpdir(), 'gateway-image-'));
for (const words of fromContext) {
  const [sources, target] = [words.slice(0, -1), words.at(-1)!];
  for (const source of sources) {
    const to = target.endsWith('/')
      ? path.join(app, target, path.basename(source))
      : path.join(app, target);
    mkdirSync(path.dirname(to), { recursive: true });
    cpSync(path.join(repoRoot, source), to);
  }
}

// --offline: nothing is fetched, the packages come from the cache the repository's own `npm ci`
// filled. A cache without them cannot prove anything, so the checks are skipped, loudly.
let missing: string | undefined;
try {
  execFileSync('npm', [...install, '--offline'], { cwd: app, stdio: 'pipe', timeout: 150_000 });
} catch (error) {
  const output = String((error as { stderr?: Buffer }).stderr ?? error);
  if (!/ENOTCACHED/.test(output)) throw error;
  missing = output.split('\n').find((l) => l.includes('ENOTCACHED')) ?? 'ENOTCACHED';
  process.stderr.write(`gateway image checks SKIPPED: the npm cache lacks a package: ${missing}\n`);
}
const describeInstalled = missing === undefined ? describe : describe.skip;

afterAll(() => {
  rmSync(app, { recursive: true, force: true });
});

describeInstalled("the gateway image's runtime install", () => {
  it('installs no database or mail library', () => {
    const installed = readdirSync(path.join(app, 'node_modules'));
    expect(installed).toEqual(expect.arrayContaining(['express', 'ioredis', 'jose']));
    expect(NOT_IN_GATEWAY_IMAGE.filter((name) => installed.includes(name))).toEqual([]);
    expect(installed.filter((name) => name.startsWith('pg-'))).toEqual([]);
  });

  it('is enough for the compiled gateway to start, become ready and stop cleanly', async () => {
    // The build stage's output, as its COPY --from=build lines take it (built here if needed).
    execFileSync(
      process.execPath,
      ['node_modules/typescript/bin/tsc', '-b', 'gateway/tsconfig.build.json'],
      {
        cwd: repoRoot,
        stdio: 'pipe',
      },
    );
    for (const words of fromBuild)
      cpSync(path.join(repoRoot, path.relative(buildDir, words[1]!)), path.join(app, words[2]!), {
        recursive: true,
      });
    expect(existsSync(path.join(app, 'gateway/dist/index.js'))).toBe(true);

    const [port, adminPort] = [await closedPort(), await closedPort()];
    const upstream = await closedPort();
    const { gateway } = systemEnv({
      ports: {
        auth: upstream,
        users: upstream,
        audit: upstream,
        gateway: port,
        gatewayAdmin: adminPort,
      },
      databases: { auth: '', users: '', audit: '' },
      redis: testUrls.redis,
      amqp: testUrls.amqp,
      redisKeyPrefix: `${uniqueName('image')}:`,
      auditQueue: uniqueName('image'),
    });
    const child = spawn(process.execPath, ['gateway/dist/index.js'], {
      cwd: app,
      // Production mode would refuse the local broker's default credentials; the modules loaded
      // are the same once the docs are off, as production has them (the image ships no Swagger
      // UI and no OpenAPI file).
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'development',
        DOCS_ENABLED: 'false',
        LOG_LEVEL: 'warn',
        ...gateway,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let stderr = '';
    let logs = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    try {
      const ready = await readyWithin(`http://127.0.0.1:${adminPort}/health/ready`, child, 30_000);
      expect({ ready, stderr }).toEqual({ ready: true, stderr: '' });
      const unknown = await fetch(`http://127.0.0.1:${port}/api/v1/nothing-here`);
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    } finally {
      child.kill('SIGTERM');
      // The logs show on failure only.
      expect({ code: await exited, logs }).toEqual({ code: 0, logs: expect.any(String) });
    }
  }, 120_000);
});

async function readyWithin(url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (child.exitCode === null && Date.now() < deadline) {
    const status = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}
