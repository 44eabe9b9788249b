/**
 * shared's data and outbox entry points import pg, sequelize and umzug, but shared does not
 * declare them: any edge from shared's package.json to a package (dependency, optional peer, even
 * a development dependency another workspace installs for production) puts it into the gateway
 * image, whose `npm ci --workspace shared --workspace gateway` follows every such edge. So each
 * service that uses those entry points declares what they import, and this checks it does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { repoRoot } from './support/kubernetes.js';

const SERVICES = ['gateway', 'auth-service', 'user-service', 'audit-service'];
const DATABASE_ENTRIES = ['data', 'outbox'];
const DATABASE_AND_MAIL = ['pg', 'pg-hstore', 'sequelize', 'umzug', 'nodemailer'];

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const manifest = (dir: string) =>
  JSON.parse(readFileSync(path.join(repoRoot, dir, 'package.json'), 'utf8')) as Manifest;

const sources = (dir: string): string[] =>
  readdirSync(path.join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => readFileSync(path.join(repoRoot, dir, file), 'utf8'));

/** Bare package names a file imports at run time (type-only imports are erased by tsc). */
const runtimeImports = (text: string): string[] =>
  [...text.matchAll(/^import (?!type )[^;]*?from '([^'.][^']*)';/gms)]
    .map((m) => m[1]!)
    .filter((specifier) => !specifier.startsWith('node:') && !specifier.startsWith('@secure-api/'))
    .map((specifier) =>
      specifier
        .split('/')
        .slice(0, specifier.startsWith('@') ? 2 : 1)
        .join('/'),
    );

const databaseEntryNeeds = [
  ...new Set(
    DATABASE_ENTRIES.flatMap((entry) => sources(`shared/src/${entry}`).flatMap(runtimeImports)),
  ),
].sort();

describe('the database libraries live with the services that own a database', () => {
  it("shared's data and outbox entry points import pg, sequelize and umzug", () => {
    expect(databaseEntryNeeds).toEqual(expect.arrayContaining(['pg', 'sequelize', 'umzug']));
  });

  it("shared's package.json names no database or mail library in any dependency field", () => {
    const shared = manifest('shared');
    const named = [
      shared.dependencies,
      shared.devDependencies,
      shared.peerDependencies,
      shared.optionalDependencies,
    ].flatMap((field) => Object.keys(field ?? {}));
    expect(named.filter((name) => DATABASE_AND_MAIL.includes(name))).toEqual([]);
  });

  it.each(SERVICES)(
    '%s declares every package the shared entry points it uses import',
    (service) => {
      const code = sources(`${service}/src`).join('\n');
      const usesDatabaseEntries = DATABASE_ENTRIES.some((entry) =>
        code.includes(`'@secure-api/shared/${entry}'`),
      );
      const declared = Object.keys(manifest(service).dependencies ?? {});
      if (service === 'gateway') expect(usesDatabaseEntries).toBe(false);
      if (!usesDatabaseEntries) return;
      expect(databaseEntryNeeds.filter((name) => !declared.includes(name))).toEqual([]);
    },
  );
});
