import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { envVariables } from '@secure-api/shared/config';

import { readConfig as readAuditConfig } from '../audit-service/src/config.js';
import { readConfig as readAuthConfig } from '../auth-service/src/config.js';
import { readConfig as readGatewayConfig } from '../gateway/src/config.js';
import { readConfig as readUsersConfig } from '../user-service/src/config.js';
import { generatedDocs } from '../scripts/config-docs/generate.js';
import { configProblems as problemsOf } from '../shared/src/testing/config-problems.js';
import { SERVICES } from '../scripts/config-docs/variables.js';
import { repoRoot } from './support/kubernetes.js';

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

/** `.env.example` with every line uncommented, as a careless copy would be. */
function uncommentedEnvExample(): Record<string, string> {
  const assignments = [...read('.env.example').matchAll(/^# ([A-Z][A-Z0-9_]*)=(.*)$/gm)];
  return Object.fromEntries(assignments.map(([, name, value]) => [name ?? '', value ?? '']));
}

describe('the configuration docs (README table and .env.example)', () => {
  it('are exactly what `npm run config-docs` generates from the config schemas today (not stale)', async () => {
    const generated = await generatedDocs(repoRoot);

    for (const [file, text] of generated) {
      expect({ file, text: read(file) }).toEqual({ file, text });
    }
  });

  it('.env.example lists each variable any service reads exactly once, and nothing else', () => {
    const listed = [...read('.env.example').matchAll(/^# ([A-Z][A-Z0-9_]*)=/gm)].map(
      ([, name]) => name,
    );
    const declared = new Set(SERVICES.flatMap(({ schema }) => Object.keys(envVariables(schema))));

    expect(listed.sort()).toEqual([...declared].sort());
  });

  it('in production, every service refuses .env.example’s placeholders for secrets and broker users', () => {
    const env = { ...uncommentedEnvExample(), NODE_ENV: 'production' };
    const refused = (variable: string, rule = 'must be set explicitly') =>
      `${variable}: ${rule} when NODE_ENV=production`;
    const guest = refused('AMQP_URL', 'must be set with non-default credentials');

    expect(problemsOf(readGatewayConfig, env)).toEqual(expect.arrayContaining([guest]));
    expect(problemsOf(readUsersConfig, env)).toEqual(expect.arrayContaining([guest]));
    expect(problemsOf(readAuthConfig, env)).toEqual(
      expect.arrayContaining([guest, refused('JWT_PRIVATE_KEYS'), refused('TOTP_ENCRYPTION_KEY')]),
    );
    expect(problemsOf(readAuditConfig, env)).toEqual(
      expect.arrayContaining([
        guest,
        'EVENT_PRODUCERS: must name each producer’s own broker user, not guest or *, when NODE_ENV=production',
      ]),
    );
  });
});
