import { Pool } from 'pg';
import type { ContextName } from '../../src/app/services/topology';

/**
 * Read access to the databases of a running services topology, one per context, for tests that check what each
 * service committed. A query answers its rows; nothing here writes.
 */

/** One service's database. */
export type ServiceDatabase = {
  context: ContextName;
  rows<R extends object>(text: string, params?: unknown[]): Promise<R[]>;
};

/** The databases of the contexts a test reads, by context. */
export type ServiceDatabases<C extends ContextName> = Record<C, ServiceDatabase> & { close(): Promise<void> };

/** Opens a small pool on each context's database (`databaseOf` of the running topology). */
export const openServiceDatabases = <C extends ContextName>(
  contexts: readonly C[],
  databaseOf: (context: C) => string,
): ServiceDatabases<C> => {
  const pools: Pool[] = [];
  const databases = Object.fromEntries(
    contexts.map((context) => {
      const pool = new Pool({ connectionString: databaseOf(context), max: 1, connectionTimeoutMillis: 5000 });
      pools.push(pool);
      const database: ServiceDatabase = {
        context,
        rows: async <R extends object>(text: string, params?: unknown[]) =>
          (await pool.query<R & Record<string, unknown>>(text, params)).rows,
      };
      return [context, database];
    }),
  ) as Record<C, ServiceDatabase>;
  return { ...databases, close: async () => void (await Promise.all(pools.map((pool) => pool.end()))) };
};

/** The value of a `count(*) as n` query. */
export const countOf = async (database: ServiceDatabase, text: string, params?: unknown[]): Promise<number> =>
  Number((await database.rows<{ n: string }>(text, params))[0]?.n ?? 0);
