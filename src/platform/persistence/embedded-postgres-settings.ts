import { join } from 'node:path';
import type { EmbeddedPostgresOptions } from './embedded-postgres';

/** The settings an app's embedded PostgreSQL comes from (`Config`'s fields of the same names). */
export type EmbeddedPostgresSettings = { dataDir: string; embeddedPgPort: number; embeddedPgPortFixed?: boolean };

/** Where an app keeps the port its embedded PostgreSQL took when the usual one was taken. */
export const PORT_FILE = 'pg-port';

/**
 * The embedded PostgreSQL of an app: its cluster in DATA_DIR/pg, on EMBEDDED_PG_PORT when that is set; otherwise on
 * the default, or on the free port remembered in DATA_DIR/pg-port once the default was found taken. The same for
 * `npm start` and the command-line tools, so they find one another.
 */
export const embeddedPostgresOptions = (
  settings: EmbeddedPostgresSettings,
): Pick<EmbeddedPostgresOptions, 'dataDir' | 'port' | 'portFile'> => ({
  dataDir: join(settings.dataDir, 'pg'),
  port: settings.embeddedPgPort,
  portFile: settings.embeddedPgPortFixed ? undefined : join(settings.dataDir, PORT_FILE),
});
