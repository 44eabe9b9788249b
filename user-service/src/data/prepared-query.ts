import { DatabaseError, QueryTypes, type Sequelize } from 'sequelize';

import { currentTransaction } from '@secure-api/shared/data';

/** What a pooled connection of the postgres dialect is: a `pg` client. */
interface PgClient {
  query(query: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * One SELECT as a named prepared statement on a connection of Sequelize's own pool: PostgreSQL
 * parses and plans it once per connection, and no Sequelize query object is built per call. For
 * the hot read only (docs/performance.md). Inside a unit of work it goes through Sequelize, so it
 * joins the transaction; a failure is Sequelize's DatabaseError, as from any other query, so a
 * database outage is still a 503.
 */
export async function preparedSelect<R extends object>(
  sequelize: Sequelize,
  name: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  if (currentTransaction()) {
    return sequelize.query<R>(text, { type: QueryTypes.SELECT, bind: values, raw: true });
  }
  const pool = sequelize.connectionManager;
  const client = (await pool.getConnection({ type: 'read' })) as PgClient;
  try {
    return (await client.query({ name, text, values })).rows as R[];
  } catch (error) {
    throw new DatabaseError(error as Error & { sql: string });
  } finally {
    pool.releaseConnection(client);
  }
}
