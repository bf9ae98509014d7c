import { Client } from 'pg';

/** Test fixture: runs one statement on a connection of its own (the cluster under test, not a pool) and closes it. */
export const queryOnce = async <T>(url: string, sql: string): Promise<T[]> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
};
