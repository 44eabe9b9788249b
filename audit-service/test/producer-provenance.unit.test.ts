import { describe, expect, it } from '@jest/globals';

import { proveProducer, type ProducerMap } from '../src/domain/producer-provenance.js';

const producers: ProducerMap = new Map([
  ['auth_service', 'auth-service'],
  ['gateway', 'gateway'],
  ['dev', '*'],
]);

describe('proveProducer', () => {
  it.each([
    ['its own source and type', 'auth_service', 'auth-service', 'auth.login.succeeded'],
    ['user.created, which auth-service writes', 'auth_service', 'auth-service', 'user.created'],
    ['any source, with that source’s type, for a * user', 'dev', 'user-service', 'user.deleted'],
  ] as const)('proves a user publishing %s', (_case, user, source, type) => {
    expect(proveProducer(producers, user, { source, type })).toEqual({ proven: true });
  });

  it.each([
    ['no user_id', undefined, 'auth-service', 'auth.login.succeeded', 'missing_user_id'],
    ['an empty user_id', '', 'auth-service', 'auth.login.succeeded', 'missing_user_id'],
    ['a user not in the map', 'guest', 'gateway', 'gateway.rate_limited', 'unknown_producer'],
    ['another source', 'gateway', 'auth-service', 'auth.login.succeeded', 'source_not_allowed'],
    [
      'its source, another’s type',
      'gateway',
      'gateway',
      'auth.login.succeeded',
      'type_not_allowed',
    ],
    ['a * user, a type not of the source', 'dev', 'gateway', 'user.deleted', 'type_not_allowed'],
    [
      'user.created claimed by user-service',
      'dev',
      'user-service',
      'user.created',
      'type_not_allowed',
    ],
  ] as const)('refuses %s', (_case, user, source, type, reason) => {
    expect(proveProducer(producers, user, { source, type })).toEqual({ proven: false, reason });
  });
});
