import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { execForm, keyValues, parseDockerfile, type Stage } from './support/dockerfile.js';
import { isPinnedImage, repoRoot } from './support/kubernetes.js';

const SERVICES = ['gateway', 'auth-service', 'user-service', 'audit-service'];
const PORT_VARIABLES = new Map([
  ['gateway', 'GATEWAY_PORT'],
  ['auth-service', 'AUTH_PORT'],
  ['user-service', 'USERS_PORT'],
  ['audit-service', 'AUDIT_PORT'],
]);

const instructions = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword);

describe.each(SERVICES)('%s/Dockerfile', (service) => {
  const stages = parseDockerfile(readFileSync(path.join(repoRoot, service, 'Dockerfile'), 'utf8'));
  const final = stages.at(-1)!;
  const stageNames = stages.map((s) => s.name);

  it('builds in stages, every base a Node 22 slim image pinned to a full version', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const { image } of stages) {
      if (stageNames.includes(image)) continue;
      expect(isPinnedImage(image)).toBe(true);
      expect(image.split('@')[0]).toMatch(/^node:22\.\d+\.\d+-[a-z]+-slim$/);
    }
  });

  it('compiles with the lockfile in the build stage: npm ci, then npm run build', () => {
    const build = stages.find((s) =>
      instructions(s, 'RUN').some((r) => r.args.includes('npm run build')),
    );
    expect(build).toBeDefined();
    expect(build).not.toBe(final);
    expect(instructions(build!, 'RUN').some((r) => /^npm ci\b/.test(r.args))).toBe(true);
  });

  it("installs only production dependencies of the service and shared in the runtime stage, running no package's scripts", () => {
    const installs = instructions(final, 'RUN').filter((r) => r.args.includes('npm ci'));
    expect(installs).toHaveLength(1);
    const install = installs[0]!.args;
    expect(install).toContain('--omit=dev');
    expect(install).toContain('--ignore-scripts');
    expect(install).toContain('--workspace shared');
    expect(install).toContain(`--workspace ${service}`);
    const workspaces = [...install.matchAll(/--workspace (\S+)/g)].map((m) => m[1]);
    expect(workspaces.sort()).toEqual(['shared', service].sort());
  });

  it('copies only compiled output from the build stage into the runtime stage', () => {
    const fromBuild = instructions(final, 'COPY').filter((c) => c.args.startsWith('--from='));
    expect(fromBuild.length).toBeGreaterThan(0);
    for (const copy of fromBuild) {
      const [, ...paths] = copy.args.split(/\s+/);
      const sources = paths.slice(0, -1);
      expect(sources.every((s) => s.endsWith('/dist'))).toBe(true);
    }
  });

  it('runs as a numeric, non-root user', () => {
    const users = instructions(final, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const ids = users.at(-1)!.args.split(':');
    expect(ids.length).toBeLessThanOrEqual(2);
    for (const id of ids) {
      expect(id).toMatch(/^\d+$/);
      expect(Number(id)).toBeGreaterThan(0);
    }
  });

  it('fetches nothing from the network with ADD', () => {
    const adds = stages.flatMap((s) => instructions(s, 'ADD'));
    expect(adds.filter((a) => /(https?|ftp):\/\/|git@/i.test(a.args))).toEqual([]);
  });

  it('bakes in no secret, and starts in production mode listening beyond loopback', () => {
    const env = new Map(
      instructions(final, 'ENV').flatMap((e) => [...keyValues(e.args).entries()]),
    );
    expect(env.get('NODE_ENV')).toBe('production');
    expect(env.get('HOST')).toBe('0.0.0.0');
    const declared = stages.flatMap((s) =>
      [...instructions(s, 'ENV'), ...instructions(s, 'ARG')].flatMap((i) => [
        ...keyValues(i.args).keys(),
        ...(i.args.includes('=') ? [] : [i.args.split(/\s+/)[0]!]),
      ]),
    );
    expect(
      declared.filter((name) => /SECRET|PASSWORD|TOKEN|PRIVATE|_KEY|CREDENTIAL/i.test(name)),
    ).toEqual([]);
  });

  it("checks /health/live with node (slim images have no curl) and starts the service's entry point", () => {
    const healthchecks = instructions(final, 'HEALTHCHECK');
    expect(healthchecks).toHaveLength(1);
    const check = execForm(healthchecks[0]!.args);
    expect(check?.[0]).toBe('node');
    expect(check?.join(' ')).toContain('/health/live');
    expect(check?.join(' ')).toContain(PORT_VARIABLES.get(service)!);

    const cmd = instructions(final, 'CMD').at(-1);
    expect(execForm(cmd!.args)).toEqual(['node', `${service}/dist/index.js`]);
    expect(instructions(final, 'ENTRYPOINT')).toEqual([]);
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, git history, local installs and builds out of the build context', () => {
    const patterns = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(patterns).toEqual(
      expect.arrayContaining(['.git', '.env', '.env.*', '**/node_modules', '**/dist', '.data']),
    );
    expect(patterns.filter((p) => p.startsWith('!'))).toEqual([]);
  });
});
