import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';

import {
  amqpUrl,
  ConfigError,
  csv,
  databaseUrl,
  flag,
  loadConfig,
  logLevel,
  nodeEnv,
  optionalFlag,
  port,
  positiveInt,
  rate,
  redisUrl,
} from '@secure-api/shared/config';

// Reads every variable the production refusals know about, like auth-service plus gateway would.
const schema = z.object({
  NODE_ENV: nodeEnv,
  LOG_LEVEL: logLevel,
  AUTH_PORT: port(8081),
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  AMQP_URL: amqpUrl,
  CORS_ORIGINS: csv('http://localhost:3000'),
  LOGIN_RATE_LIMIT: rate('5/minute'),
  MAX_LOGIN_ATTEMPTS: positiveInt(5, 100),
  COOKIE_SECURE: flag(true),
  DOCS_ENABLED: optionalFlag(),
  JWT_PRIVATE_KEYS: z.string().optional(),
  TOTP_ENCRYPTION_KEY: z.string().optional(),
});

type Env = Record<string, string | undefined>;

const RATE_MESSAGE = 'expected N/second, N/minute, N/hour or N/day';
const SET_EXPLICITLY = 'must be set explicitly when NODE_ENV=production';

/** A production environment that passes every refusal; tests spoil one variable at a time. */
const goodProduction: Env = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://auth:db-pass@db.internal:5432',
  AMQP_URL: 'amqp://auth:mq-pass@mq.internal:5672',
  COOKIE_SECURE: 'true',
  CORS_ORIGINS: 'https://app.example.com',
  DOCS_ENABLED: 'false',
  JWT_PRIVATE_KEYS: '[{"kty":"OKP","crv":"Ed25519"}]',
  TOTP_ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
};

function problemsOf(env: Env, against: z.ZodObject = schema): string[] {
  try {
    loadConfig(against, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected loadConfig to refuse this environment');
}

describe('loadConfig', () => {
  describe('in development', () => {
    it('when nothing is set, returns the documented defaults', () => {
      const config = loadConfig(schema, {});

      expect(config).toEqual({
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        AUTH_PORT: 8081,
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432',
        REDIS_URL: 'redis://127.0.0.1:6379',
        AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
        CORS_ORIGINS: ['http://localhost:3000'],
        LOGIN_RATE_LIMIT: { points: 5, durationSeconds: 60 },
        MAX_LOGIN_ATTEMPTS: 5,
        COOKIE_SECURE: true,
        DOCS_ENABLED: undefined,
        JWT_PRIVATE_KEYS: undefined,
        TOTP_ENCRYPTION_KEY: undefined,
      });
    });

    it('parses set values into their typed form', () => {
      const config = loadConfig(schema, {
        AUTH_PORT: '0',
        DATABASE_URL: 'postgresql://app@db:5432/secure_api_auth',
        REDIS_URL: 'rediss://cache:6380',
        CORS_ORIGINS: ' https://a.example.com , ,https://b.example.com',
        MAX_LOGIN_ATTEMPTS: '7',
        COOKIE_SECURE: 'no',
        DOCS_ENABLED: 'yes',
        LOG_LEVEL: 'debug',
      });

      expect(config.AUTH_PORT).toBe(0);
      expect(config.DATABASE_URL).toBe('postgresql://app@db:5432/secure_api_auth');
      expect(config.REDIS_URL).toBe('rediss://cache:6380');
      expect(config.CORS_ORIGINS).toEqual(['https://a.example.com', 'https://b.example.com']);
      expect(config.MAX_LOGIN_ATTEMPTS).toBe(7);
      expect(config.COOKIE_SECURE).toBe(false);
      expect(config.DOCS_ENABLED).toBe(true);
      expect(config.LOG_LEVEL).toBe('debug');
    });

    it('when a port and a URL are bad, gives exactly one readable line naming each variable', () => {
      const problems = problemsOf({ AUTH_PORT: '70000', DATABASE_URL: 'mysql://root@db:3306' });

      expect(problems).toEqual([
        'AUTH_PORT: Too big: expected number to be <=65535',
        'DATABASE_URL: expected a postgres:// or postgresql:// URL',
      ]);
    });

    it('puts every problem on its own line of the error message, never a stack of zod output', () => {
      let error: unknown;
      try {
        loadConfig(schema, { AUTH_PORT: 'eighty', REDIS_URL: 'not a url', LOG_LEVEL: 'loud' });
      } catch (caught) {
        error = caught;
      }

      expect(error).toBeInstanceOf(ConfigError);
      const { message, problems } = error as ConfigError;
      expect(problems).toHaveLength(3);
      expect(problems.map((line) => line.split(':')[0])).toEqual([
        'LOG_LEVEL',
        'AUTH_PORT',
        'REDIS_URL',
      ]);
      for (const line of problems) expect(line).not.toContain('\n');
      expect(message).toBe(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
      expect(problems.find((p) => p.startsWith('REDIS_URL'))).toBe(
        'REDIS_URL: expected a redis:// or rediss:// URL',
      );
    });

    it.each([
      ['AUTH_PORT', '-1'],
      ['AUTH_PORT', '80.5'],
      ['MAX_LOGIN_ATTEMPTS', '0'],
      ['MAX_LOGIN_ATTEMPTS', '101'],
      ['COOKIE_SECURE', 'maybe'],
      ['AMQP_URL', 'http://mq.internal:5672'],
      ['NODE_ENV', 'prod'],
    ])('when %s=%s, refuses with one line naming it', (name, value) => {
      const problems = problemsOf({ [name]: value });

      expect(problems).toHaveLength(1);
      const [variable, message] = (problems[0] ?? '').split(': ');
      expect(variable).toBe(name);
      expect(message?.length).toBeGreaterThan(5);
    });
  });

  describe('rate()', () => {
    it.each([
      ['5/minute', { points: 5, durationSeconds: 60 }],
      ['1/second', { points: 1, durationSeconds: 1 }],
      ['1000/hour', { points: 1000, durationSeconds: 3600 }],
      ['3/day', { points: 3, durationSeconds: 86400 }],
      [' 10/minute ', { points: 10, durationSeconds: 60 }],
    ])('parses %j', (value, expected) => {
      expect(loadConfig(schema, { LOGIN_RATE_LIMIT: value }).LOGIN_RATE_LIMIT).toEqual(expected);
    });

    it.each([
      '0/minute',
      'abc',
      '5/week',
      '5 per minute',
      '-1/minute',
      '/minute',
      '5/',
      '1.5/hour',
    ])('refuses %j with one line naming the variable and the accepted forms', (value) => {
      expect(problemsOf({ LOGIN_RATE_LIMIT: value })).toEqual([
        `LOGIN_RATE_LIMIT: ${RATE_MESSAGE}`,
      ]);
    });
  });

  describe('with NODE_ENV=production', () => {
    it('accepts an explicitly configured, locked-down environment', () => {
      const config = loadConfig(schema, goodProduction);

      expect(config.NODE_ENV).toBe('production');
      expect(config.COOKIE_SECURE).toBe(true);
      expect(config.DOCS_ENABLED).toBe(false);
    });

    it('when the signing keys and the TOTP key are unset, refuses naming both', () => {
      const problems = problemsOf({
        ...goodProduction,
        JWT_PRIVATE_KEYS: undefined,
        TOTP_ENCRYPTION_KEY: '   ',
      });

      expect(problems).toEqual([
        `JWT_PRIVATE_KEYS: ${SET_EXPLICITLY}`,
        `TOTP_ENCRYPTION_KEY: ${SET_EXPLICITLY}`,
      ]);
    });

    it.each(['false', '0', 'no', 'FALSE', 'No'])('when COOKIE_SECURE=%s, refuses', (value) => {
      expect(problemsOf({ ...goodProduction, COOKIE_SECURE: value })).toEqual([
        'COOKIE_SECURE: must not be false when NODE_ENV=production',
      ]);
    });

    it.each(['*', 'https://app.example.com, *', '*,https://app.example.com'])(
      'when CORS_ORIGINS=%j, refuses',
      (value) => {
        expect(problemsOf({ ...goodProduction, CORS_ORIGINS: value })).toEqual([
          'CORS_ORIGINS: must not contain * when NODE_ENV=production',
        ]);
      },
    );

    it.each(['true', '1', 'yes', 'TRUE', 'Yes'])('when DOCS_ENABLED=%s, refuses', (value) => {
      expect(problemsOf({ ...goodProduction, DOCS_ENABLED: value })).toEqual([
        'DOCS_ENABLED: must not be true when NODE_ENV=production',
      ]);
    });

    it.each([
      ['the default guest:guest', 'amqp://guest:guest@mq.internal:5672'],
      ['percent-encoded guest:guest', 'amqp://gu%65st:guest@mq.internal:5672'],
      ['no credentials (amqplib then logs in as guest:guest)', 'amqps://mq.internal:5671'],
      ['unset', undefined],
    ])('when AMQP_URL has %s, refuses', (_case, value) => {
      expect(problemsOf({ ...goodProduction, AMQP_URL: value })).toEqual([
        'AMQP_URL: must be set with non-default credentials when NODE_ENV=production',
      ]);
    });

    it('when DATABASE_URL is unset, refuses rather than use the development default', () => {
      expect(problemsOf({ ...goodProduction, DATABASE_URL: undefined })).toEqual([
        `DATABASE_URL: ${SET_EXPLICITLY}`,
      ]);
    });

    it('when everything is wrong at once, gives one line per refused variable', () => {
      const problems = problemsOf({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://auth:db-pass@db.internal:5432',
        COOKIE_SECURE: 'false',
        CORS_ORIGINS: '*',
        DOCS_ENABLED: 'true',
      });

      expect(problems.map((line) => line.split(':')[0])).toEqual([
        'JWT_PRIVATE_KEYS',
        'TOTP_ENCRYPTION_KEY',
        'COOKIE_SECURE',
        'CORS_ORIGINS',
        'DOCS_ENABLED',
        'AMQP_URL',
      ]);
    });

    it('reports schema problems and refusals together', () => {
      const problems = problemsOf({ ...goodProduction, AUTH_PORT: '99999', DOCS_ENABLED: 'true' });

      expect(problems).toEqual([
        'AUTH_PORT: Too big: expected number to be <=65535',
        'DOCS_ENABLED: must not be true when NODE_ENV=production',
      ]);
    });

    it('refuses only what the schema reads: a service without cookies or docs ignores those', () => {
      const narrow = z.object({ NODE_ENV: nodeEnv, DATABASE_URL: databaseUrl });

      const config = loadConfig(narrow, {
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://users:db-pass@db.internal:5432',
        COOKIE_SECURE: 'false',
        CORS_ORIGINS: '*',
        DOCS_ENABLED: 'true',
        AMQP_URL: 'amqp://guest:guest@mq.internal:5672',
      });

      expect(config).toEqual({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://users:db-pass@db.internal:5432',
      });
    });
  });

  describe.each(['development', 'test', undefined])('with NODE_ENV=%s', (nodeEnvValue) => {
    it('accepts the development conveniences that production refuses', () => {
      const config = loadConfig(schema, {
        NODE_ENV: nodeEnvValue,
        COOKIE_SECURE: 'false',
        CORS_ORIGINS: '*',
        DOCS_ENABLED: 'true',
        AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      });

      expect(config.COOKIE_SECURE).toBe(false);
      expect(config.CORS_ORIGINS).toEqual(['*']);
      expect(config.DOCS_ENABLED).toBe(true);
      expect(config.AMQP_URL).toBe('amqp://guest:guest@127.0.0.1:5672');
      expect(config.JWT_PRIVATE_KEYS).toBeUndefined();
      expect(config.TOTP_ENCRYPTION_KEY).toBeUndefined();
    });
  });
});
