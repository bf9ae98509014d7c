import { join } from 'node:path';
import type { EmbeddedPostgresOptions } from './embedded-postgres';

/** The settings an app's embedded PostgreSQL comes from (`Config`'s fields of the same names). */
export type EmbeddedPostgresSettings = { dataDir: string; embeddedPgPort: number; embeddedPgPortFixed?: boolean };

/** Where an app keeps the port its embedded PostgreSQL took when the usual one was taken. */
export const PORT_FILE = 'pg-port';

/** Where an app, started by root, records the place of a cluster the server's user could not reach in DATA_DIR. */
export const LOCATION_FILE = 'pg-location';

/**
 * The embedded PostgreSQL of an app: its cluster in DATA_DIR/pg, on EMBEDDED_PG_PORT when that is set; otherwise on
 * the default, or on the free port remembered in DATA_DIR/pg-port once the default was found taken. As root, when the
 * server's user cannot enter DATA_DIR, the cluster lives elsewhere, named in DATA_DIR/pg-location. The same for
 * `npm start` and the command-line tools, so they find one another.
 */
export const embeddedPostgresOptions = (
  settings: EmbeddedPostgresSettings,
): Pick<EmbeddedPostgresOptions, 'dataDir' | 'port' | 'portFile' | 'locationFile'> => ({
  dataDir: join(settings.dataDir, 'pg'),
  port: settings.embeddedPgPort,
  portFile: settings.embeddedPgPortFixed ? undefined : join(settings.dataDir, PORT_FILE),
  locationFile: join(settings.dataDir, LOCATION_FILE),
});
