import { ConnectionError, DatabaseError } from 'sequelize';

import { registerOutageTest } from '../http/dependency-outage.js';

// Server-side states in which no query can succeed right now (SQLSTATE class 08, connection
// exception; 57P01-57P03, the server shutting down or starting up).
const OUTAGE_CODES = /^(08|57P0[123])/;
// What pg says when a pooled connection dies under a query (no SQLSTATE: the socket went away).
const LOST_CONNECTION =
  /^(Connection terminated|Client has encountered a connection error|read ECONNRESET|write EPIPE)/;

/**
 * True when the error says PostgreSQL could not be reached (pool could not connect or acquire,
 * the connection dropped mid-query, the server is shutting down), as opposed to a problem with the
 * query itself. Such a request is answered 503 like any other dependency outage, never 500.
 */
export function isDatabaseOutage(error: unknown): boolean {
  if (error instanceof ConnectionError) return true;
  if (!(error instanceof DatabaseError)) return false;
  const cause = error.parent as Error & { code?: unknown };
  if (typeof cause.code === 'string' && OUTAGE_CODES.test(cause.code)) return true;
  return LOST_CONNECTION.test(cause.message);
}

// Loaded with the data layer: every process that can throw these answers them with 503.
registerOutageTest(isDatabaseOutage);
