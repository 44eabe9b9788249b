import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';

import {
  defineConfig,
  envVariables,
  flag,
  loadConfig,
  positiveInt,
  sharedVariables,
  variable,
} from '@secure-api/shared/config';
import { configProblems } from '@secure-api/shared/testing';

// A small service's config, as the services write theirs: camelCase keys, a group, a check.
const schema = defineConfig(
  {
    amqpUrl: sharedVariables.amqpUrl,
    cookieSecure: variable('COOKIE_SECURE', flag(true), 'Secure cookies.'),
    limits: {
      headersMs: variable('HEADERS_MS', positiveInt(10, 100), 'Headers timeout.'),
      requestMs: variable('REQUEST_MS', positiveInt(20, 100), 'Request timeout.'),
    },
  },
  (config, ctx) => {
    if (config.limits.headersMs > config.limits.requestMs) {
      ctx.addIssue({ code: 'custom', path: ['HEADERS_MS'], message: 'must not exceed REQUEST_MS' });
    }
  },
).transform((config) => ({ ...config, tag: 'finished' }));

const problemsOf = (env: Record<string, string>) =>
  configProblems((environment) => loadConfig(schema, environment), env);

describe('defineConfig', () => {
  it('reads each variable into its place in the camelCase config, defaults included', () => {
    expect(loadConfig(schema, { REQUEST_MS: '30' })).toEqual({
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      cookieSecure: true,
      limits: { headersMs: 10, requestMs: 30 },
      tag: 'finished',
    });
  });

  it('names the variable, not the config key, on each bad line, and runs the check beside them', () => {
    expect(problemsOf({ AMQP_URL: 'http://mq:5672', HEADERS_MS: '50', REQUEST_MS: '40' })).toEqual([
      'AMQP_URL: expected a amqp:// or amqps:// URL',
      'HEADERS_MS: must not exceed REQUEST_MS',
    ]);
  });

  it('in production, applies the refusals of the variables it reads, under any transform', () => {
    expect(problemsOf({ NODE_ENV: 'production', COOKIE_SECURE: 'no' })).toEqual([
      'COOKIE_SECURE: must not be false when NODE_ENV=production',
      'AMQP_URL: must be set with non-default credentials when NODE_ENV=production',
    ]);
  });

  it('lists the variables it reads, in declaration order, each with its description', () => {
    const variables = envVariables(schema);

    expect(Object.keys(variables)).toEqual([
      'AMQP_URL',
      'COOKIE_SECURE',
      'HEADERS_MS',
      'REQUEST_MS',
    ]);
    expect(variables.HEADERS_MS?.description).toBe('Headers timeout.');
  });

  it('refuses a variable declared twice, which would silently read one value for two keys', () => {
    const port = variable('PORT', positiveInt(1), 'A port.');

    expect(() => defineConfig({ port, admin: { port } })).toThrow('PORT is declared twice');
  });

  it('refuses to list the variables of a schema that is not an object of variables', () => {
    expect(() => envVariables(z.string())).toThrow(TypeError);
  });
});
