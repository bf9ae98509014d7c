import { Client } from 'pg';
import { type ContextName, serviceDatabaseName } from './topology';

/** The URL of database `name` on the server `serverUrl` names. */
export const databaseUrlOn = (serverUrl: string, name: string): string => {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
};

/** Creates database `name` on the server `serverUrl` names unless it exists (a second start reuses it). */
export const ensureDatabase = async (serverUrl: string, name: string): Promise<void> => {
  const client = new Client({ connectionString: databaseUrlOn(serverUrl, 'postgres'), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount) return;
    await client.query(`create database "${name.replace(/"/g, '""')}"`).catch((error: { code?: string }) => {
      if (error.code !== '42P04') throw error; // created meanwhile by another starter
    });
  } finally {
    await client.end();
  }
};

/**
 * Each service's own database: `DATABASE_URL_<SERVICE>` when the environment gives one (the service's contexts joined
 * by `_`, upper case: DATABASE_URL_ORDERING), else a database of its own on the server of `serverUrl`, created when
 * missing. No service ever reads another's tables.
 */
export const serviceDatabases = async (
  services: readonly (readonly ContextName[])[],
  serverUrl: string,
  env: Record<string, string | undefined>,
): Promise<Map<readonly ContextName[], string>> => {
  const base = decodeURIComponent(new URL(serverUrl).pathname.slice(1)) || 'orderly';
  const urls = new Map<readonly ContextName[], string>();
  for (const contexts of services) {
    const given = env[`DATABASE_URL_${contexts.join('_').toUpperCase()}`];
    if (given) {
      urls.set(contexts, given);
      continue;
    }
    const name = serviceDatabaseName(base, contexts);
    await ensureDatabase(serverUrl, name);
    urls.set(contexts, databaseUrlOn(serverUrl, name));
  }
  return urls;
};
