import { generateKeyPairSync } from 'node:crypto';

import { describe, expect, it } from '@jest/globals';

import { configProblems } from '@secure-api/shared/testing';

import { readConfig } from '../src/config.js';

const PRODUCERS = 'auth_service:auth-service,user_service:user-service,gateway:gateway';
const MALFORMED =
  'EVENT_PRODUCERS: expected broker-user:source pairs separated by commas, each user once (source: gateway, auth-service, user-service, or * outside production)';
const NOT_GUEST =
  'EVENT_PRODUCERS: must name each producer’s own broker user, not guest or *, when NODE_ENV=production';

const checkpointKeys = () =>
  JSON.stringify([generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })]);

const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://audit:pw@db:5432',
  AMQP_URL: 'amqp://audit:pw@mq:5672',
  EVENT_PRODUCERS: PRODUCERS,
  AUDIT_SIGNING_KEYS: checkpointKeys(),
};

const problemsOf = (env: Record<string, string | undefined>) => configProblems(readConfig, env);

describe('audit-service configuration', () => {
  it('in production refuses the default guest:guest broker credentials', () => {
    expect(problemsOf({ ...production, AMQP_URL: 'amqp://guest:guest@mq:5672' })).toEqual([
      'AMQP_URL: must be set with non-default credentials when NODE_ENV=production',
    ]);
  });

  it('accepts explicit broker credentials and producers in production', () => {
    const config = readConfig(production);

    expect(config.databaseUrl).toBe('postgres://audit:pw@db:5432/secure_api_audit');
    expect(config.eventProducers).toEqual(
      new Map([
        ['auth_service', 'auth-service'],
        ['user_service', 'user-service'],
        ['gateway', 'gateway'],
      ]),
    );
  });
});

describe('AUDIT_SIGNING_KEYS (the checkpoint signing keys)', () => {
  it('in production refuses to start without them: the development key is public', () => {
    expect(problemsOf({ ...production, AUDIT_SIGNING_KEYS: undefined })).toEqual([
      'AUDIT_SIGNING_KEYS: must be set explicitly when NODE_ENV=production',
    ]);
  });

  it('outside production may be left unset (the development key then signs)', () => {
    expect(readConfig({ NODE_ENV: 'development' }).checkpointKeys).toBeUndefined();
  });

  it.each([
    ['not JSON', 'expected a JSON array of private Ed25519 JWKs'],
    ['[]', 'expected a non-empty JSON array of private Ed25519 JWKs'],
    ['[{"kty":"OKP","crv":"Ed25519","x":"abc"}]', 'every key must be a private Ed25519 (OKP) JWK'],
    ['[{"kty":"RSA","n":"x","e":"AQAB","d":"y"}]', 'every key must be a private Ed25519 (OKP) JWK'],
  ])('refuses %s with one readable line', (value, message) => {
    expect(problemsOf({ ...production, AUDIT_SIGNING_KEYS: value })).toEqual([
      `AUDIT_SIGNING_KEYS: ${message}`,
    ]);
  });

  it('accepts a JSON array of private Ed25519 JWKs, oldest first', () => {
    const value = JSON.stringify([
      ...(JSON.parse(checkpointKeys()) as unknown[]),
      ...(JSON.parse(checkpointKeys()) as unknown[]),
    ]);
    expect(readConfig({ ...production, AUDIT_SIGNING_KEYS: value }).checkpointKeys).toBe(value);
  });
});

describe('EVENT_PRODUCERS (which broker user may publish which source’s events)', () => {
  it.each(['development', 'test'])(
    'in %s defaults to guest claiming any source, since every service logs in as guest',
    (nodeEnv) => {
      expect(readConfig({ NODE_ENV: nodeEnv }).eventProducers).toEqual(new Map([['guest', '*']]));
    },
  );

  it.each([
    ['a user without a source', 'auth_service'],
    ['an unknown source', 'auth_service:auth'],
    ['a user named twice', 'svc:gateway,svc:user-service'],
    ['an empty entry', 'auth_service:auth-service,,gateway:gateway'],
    ['an empty value', ''],
  ])('refuses %s with one line', (_case, value) => {
    expect(problemsOf({ NODE_ENV: 'test', EVENT_PRODUCERS: value })).toEqual([MALFORMED]);
  });

  it.each([
    ['unset', undefined, 'EVENT_PRODUCERS: must be set explicitly when NODE_ENV=production'],
    ['guest claiming any source', 'guest:*', NOT_GUEST],
    ['guest among the producers', `${PRODUCERS},guest:gateway`, NOT_GUEST],
    ['a producer allowed any source', 'auth_service:*,user_service:user-service', NOT_GUEST],
  ])('in production refuses %s', (_case, value, line) => {
    expect(problemsOf({ ...production, EVENT_PRODUCERS: value })).toEqual([line]);
  });

  it('reads the revocation marks from REDIS_URL: local Redis by default, redis(s) URLs only', () => {
    const problems = problemsOf({ REDIS_URL: 'http://cache:6379' });

    expect(readConfig({}).redisUrl).toBe('redis://127.0.0.1:6379');
    expect(readConfig({ REDIS_URL: 'rediss://:pw@cache:6380' }).redisUrl).toBe(
      'rediss://:pw@cache:6380',
    );
    expect(problems).toEqual(['REDIS_URL: expected a redis:// or rediss:// URL']);
  });
});
