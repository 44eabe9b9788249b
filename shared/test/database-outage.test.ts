import { describe, expect, it } from '@jest/globals';
import { ConnectionAcquireTimeoutError, ConnectionRefusedError, DatabaseError } from 'sequelize';

// Loading the data layer is what teaches the error handler PostgreSQL's outages, as in a service.
import '@secure-api/shared/data';
import { toAppError } from '@secure-api/shared/http';

function queryFailed(message: string, code?: string): Error {
  const parent = Object.assign(new Error(message), code ? { code } : {}, {
    sql: 'SELECT 1',
    parameters: {},
  });
  return new DatabaseError(parent);
}

describe('a database outage reaching the error handler', () => {
  it.each<[string, Error]>([
    ['the pool cannot connect', new ConnectionRefusedError(new Error('connect ECONNREFUSED'))],
    ['no pooled connection in time', new ConnectionAcquireTimeoutError(new Error('timeout'))],
    ['the connection dropped mid-query', queryFailed('Connection terminated unexpectedly')],
    ['the server is shutting down', queryFailed('terminating connection', '57P01')],
    ['a connection exception', queryFailed('connection failure', '08006')],
  ])('is a 503 when %s', (_case, error) => {
    const problem = toAppError(error);

    expect(problem.status).toBe(503);
    expect(problem.detail).toBe('The service is temporarily unavailable');
  });

  it.each<[string, Error]>([
    ['a constraint violation', queryFailed('duplicate key value', '23505')],
    ['a syntax error', queryFailed('syntax error at or near', '42601')],
    ['any other error', new Error('Connection terminated unexpectedly')],
  ])('is still a 500 for %s', (_case, error) => {
    expect(toAppError(error).status).toBe(500);
  });
});
