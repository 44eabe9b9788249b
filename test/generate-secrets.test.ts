import { spawnSync } from 'node:child_process';
import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { repoRoot } from './support/kubernetes.js';

const script = path.join(repoRoot, 'scripts', 'generate-secrets.mjs');

function run(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [script, ...args], { input, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function envFile(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** auth-service's JWT_PRIVATE_KEYS format: private Ed25519 JWKs that load as keys. */
function expectSigningKeys(value: string, count: number) {
  const keys = JSON.parse(value) as JsonWebKey[];
  expect(keys).toHaveLength(count);
  for (const jwk of keys) {
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect(typeof jwk.d).toBe('string');
    expect(createPrivateKey({ key: jwk, format: 'jwk' }).asymmetricKeyType).toBe('ed25519');
  }
  return keys;
}

describe('scripts/generate-secrets.mjs', () => {
  it('compose: writes every secret docker-compose.yml reads, fresh each time', () => {
    const first = run(['compose']);
    expect(first.status).toBe(0);
    const env = envFile(first.stdout);
    const passwordKeys = [
      'POSTGRES_PASSWORD',
      'REDIS_PASSWORD',
      'RABBITMQ_PASSWORD',
      // One broker user per service, so one service's password opens nothing of another's.
      'RABBITMQ_AUTH_SERVICE_PASSWORD',
      'RABBITMQ_USER_SERVICE_PASSWORD',
      'RABBITMQ_GATEWAY_PASSWORD',
      'RABBITMQ_AUDIT_SERVICE_PASSWORD',
    ];
    expect([...env.keys()].sort()).toEqual(
      [...passwordKeys, 'JWT_PRIVATE_KEYS', 'TOTP_ENCRYPTION_KEY', 'AUDIT_SIGNING_KEYS'].sort(),
    );
    const passwords = passwordKeys.map((k) => env.get(k)!);
    for (const password of passwords) expect(password).toMatch(/^[0-9a-f]{48}$/);
    expect(new Set(passwords).size).toBe(passwordKeys.length);
    expectSigningKeys(env.get('JWT_PRIVATE_KEYS')!, 1);
    expectSigningKeys(env.get('AUDIT_SIGNING_KEYS')!, 1);
    // One key per purpose: the audit checkpoints are never signed with a token key.
    expect(env.get('AUDIT_SIGNING_KEYS')).not.toBe(env.get('JWT_PRIVATE_KEYS'));
    expect(Buffer.from(env.get('TOTP_ENCRYPTION_KEY')!, 'base64')).toHaveLength(32);
    // Read verbatim by compose's env-file parser and by kubectl --from-env-file alike.
    for (const value of env.values()) expect(value).not.toMatch(/[#$\s]|^['"]/);

    const second = envFile(run(['compose']).stdout);
    expect(second.get('POSTGRES_PASSWORD')).not.toBe(env.get('POSTGRES_PASSWORD'));
    expect(second.get('JWT_PRIVATE_KEYS')).not.toBe(env.get('JWT_PRIVATE_KEYS'));
  });

  it('compose: covers every secret variable that docker-compose.yml interpolates', () => {
    const compose = readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8');
    const interpolated = new Set([...compose.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
    const generated = envFile(run(['compose']).stdout);
    const secretLike = [...interpolated].filter((v) => /PASSWORD|PRIVATE|_KEY/.test(v));
    expect(secretLike.filter((v) => !generated.has(v))).toEqual([]);
  });

  it.each([
    ['jwt-keys', 'rotate-jwt-keys'],
    ['audit-keys', 'rotate-audit-keys'],
  ])(
    '%s, then %s: keeps the current keys in order and appends the new signing key',
    (make, rotate) => {
      const current = run([make]).stdout;
      const [old] = expectSigningKeys(current, 1);
      const rotated = run([rotate], current);
      expect(rotated.status).toBe(0);
      const keys = expectSigningKeys(rotated.stdout, 2);
      expect(keys[0]).toEqual(old);
      expect(keys[1]!.x).not.toBe(old!.x);
    },
  );

  it('rotate-jwt-keys: refuses input that is not a JWK array', () => {
    const result = run(['rotate-jwt-keys'], '{"kty":"OKP"}');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('rotate-jwt-keys: stdin is not a JSON array of JWKs\n');
    expect(result.stdout).toBe('');
  });

  it('totp-key and password: 32 random bytes in base64, and a URL-safe password', () => {
    expect(Buffer.from(run(['totp-key']).stdout.trim(), 'base64')).toHaveLength(32);
    expect(run(['password']).stdout).toMatch(/^[0-9a-f]{48}\n$/);
  });

  it('names its commands when given none', () => {
    const result = run([]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: node scripts/generate-secrets.mjs compose');
  });
});
