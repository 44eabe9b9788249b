import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';

const SRC = path.join(import.meta.dirname, '../src');
const DATABASE_LIBRARIES = ['sequelize', 'pg', 'umzug'];
// What a process without a database (the gateway) may load.
const WITHOUT_DATABASE = [
  'accounts',
  'auth',
  'config',
  'contracts',
  'events',
  'http',
  'lifecycle',
  'logging',
  'messaging',
  'redis',
  'telemetry',
];

// `import 'x'`, or an import/export ending in `from 'x'`.
const IMPORT = /^(?:import\s+'([^']+)'|(?:import|export)\s[^'";]*\bfrom\s+'([^']+)')/gm;

/** Every package a module loads, following its relative imports (type-only ones load nothing). */
function packagesLoadedBy(file: string, seen = new Set<string>()): Set<string> {
  const packages = new Set<string>();
  if (seen.has(file)) return packages;
  seen.add(file);
  for (const [statement, bare, from] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const specifier = bare ?? from;
    if (/^(?:import|export) type\s/.test(statement) || specifier === undefined) continue;
    if (specifier.startsWith('.')) {
      const target = path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts'));
      for (const name of packagesLoadedBy(target, seen)) packages.add(name);
    } else {
      packages.add(specifier.startsWith('@') ? specifier : specifier.split('/')[0]!);
    }
  }
  return packages;
}

describe('the subpath entry points of @secure-api/shared', () => {
  it.each(WITHOUT_DATABASE)('/%s loads neither Sequelize, pg nor umzug', (subpath) => {
    const loaded = packagesLoadedBy(path.join(SRC, subpath, 'index.ts'));
    expect([...loaded].filter((name) => DATABASE_LIBRARIES.includes(name))).toEqual([]);
  });

  it('/telemetry loads only the OpenTelemetry API: the SDK is imported when tracing is on', () => {
    const loaded = [...packagesLoadedBy(path.join(SRC, 'telemetry', 'index.ts'))];
    expect(loaded.filter((name) => name.startsWith('@opentelemetry/'))).toEqual([
      '@opentelemetry/api',
    ]);
  });

  it('the check sees the database libraries where they are loaded', () => {
    const loaded = packagesLoadedBy(path.join(SRC, 'data', 'index.ts'));
    expect(DATABASE_LIBRARIES.filter((name) => loaded.has(name))).toEqual(DATABASE_LIBRARIES);
  });
});
