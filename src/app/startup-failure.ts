import { ConfigError } from '../platform/config';
import { AppLogger } from '../platform/observability/logger';
import { ClusterPlaceNotOurs, EmbeddedPostgresDataUnreachable } from '../platform/persistence/cluster-location';
import { EmbeddedPostgresPortTaken } from '../platform/persistence/embedded-postgres-port';
import { EmbeddedPostgresInUse } from '../platform/persistence/embedded-postgres-previous-run';
import { PostgresProgramsUnreachable } from '../platform/persistence/postgres-programs';
import { stopTracingBeforeExit } from './flush-traces';

type ListenError = NodeJS.ErrnoException & { address?: string; port?: number };

/** The settings of the ports this process listens on, by name (`{ PORT: 3000 }`), to name the one to change. */
export type ListenSettings = Record<string, number | null | undefined>;

const listenProblem = (error: ListenError, settings: ListenSettings): string | undefined => {
  if (error.syscall !== 'listen' || error.port === undefined) return undefined;
  const where = `${error.address ?? 'HOST'}:${error.port}`;
  const setting = Object.entries(settings).find(([, port]) => port === error.port)?.[0];
  const change = setting ? `set ${setting} to` : 'choose';
  switch (error.code) {
    case 'EADDRINUSE':
      return `${where}${setting ? ` (${setting})` : ''} is taken by another program; stop it, or ${change} a free port`;
    case 'EACCES':
      return `this user may not listen on ${where}${setting ? ` (${setting})` : ''}; ${change} a port above 1023`;
    case 'EADDRNOTAVAIL':
      return `${error.address} (HOST) is not an address of this machine; set HOST to one of its addresses, e.g. 127.0.0.1`;
    default:
      return undefined;
  }
};

/** The failure itself and the causes it wraps, outermost first (bounded: a cause chain may loop). */
const causes = (error: unknown): unknown[] => {
  const chain: unknown[] = [];
  for (let each = error; each !== undefined && chain.length < 10; each = (each as { cause?: unknown }).cause) chain.push(each);
  return chain;
};

/**
 * One sentence for a start that failed for a reason the person starting it can fix (a port taken, a directory out
 * of reach): what happened and what to set. Undefined for anything else, which is logged with its stack.
 * `listening` names the settings of the ports the process listens on (`{ PORT: config.port }`).
 */
export const startupFailure = (error: unknown, listening: ListenSettings = {}): string | undefined => {
  for (const each of causes(error)) {
    if (each instanceof EmbeddedPostgresDataUnreachable) {
      return `${each.message}; move DATA_DIR to a directory it can reach (e.g. below /srv) and set DATA_DIR to it`;
    }
    if (each instanceof ClusterPlaceNotOurs) return each.message;
    if (each instanceof PostgresProgramsUnreachable) {
      return `${each.message}; set DATA_DIR to a directory it can reach, e.g. /var/lib/orderly`;
    }
    if (each instanceof EmbeddedPostgresPortTaken) {
      return `${each.message} (EMBEDDED_PG_PORT); set EMBEDDED_PG_PORT to a free port, or leave it unset to let Orderly pick one`;
    }
    if (each instanceof EmbeddedPostgresInUse) return each.message;
    const listen = each instanceof Error ? listenProblem(each as ListenError, listening) : undefined;
    if (listen) return listen;
  }
  return undefined;
};

/**
 * The settings `load` reads from the environment. When one is missing or invalid (a ConfigError) the process prints
 * `<prefix>: <what is wrong>` and exits 1, with no stack; any other failure is thrown on.
 */
export const configOrExit = <T>(load: () => T, prefix: string): T => {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${prefix}: ${error.message}`);
    return process.exit(1);
  }
};

export type MainOptions = {
  /** What starts the line printed for the person starting the process: `orderly`, `orderly-gateway`. */
  prefix: string;
  /**
   * The log message of a failure `startupFailure` cannot put in one sentence, logged with its stack; without it, the
   * failure's own message is printed after the prefix.
   */
  fatal?: string;
  /** The settings of the ports the process listens on, read when it fails (they are known once the settings are). */
  listening?: () => ListenSettings;
};

/**
 * Runs a composition root's `main`. A start that fails is told as `<prefix>: <sentence>` when `startupFailure` knows
 * what to change, else logged with its stack (see `fatal`); the process exits 1 once the spans of the failed start
 * (its migrations, its seeding) are exported.
 */
export const runMain = (main: () => Promise<void>, { prefix, fatal, listening }: MainOptions): void => {
  main().catch(async (error: unknown) => {
    const sentence = startupFailure(error, listening?.());
    if (sentence) console.error(`${prefix}: ${sentence}`);
    else if (fatal) AppLogger.create('error').fatal(fatal, { err: error });
    else console.error(`${prefix}: ${error instanceof Error ? error.message : String(error)}`);
    await stopTracingBeforeExit();
    process.exit(1);
  });
};
