import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { isPortFree } from '../trial-listen';

/** The port the embedded PostgreSQL was told to use is taken by another program. */
export class EmbeddedPostgresPortTaken extends Error {
  constructor(readonly port: number) {
    super(`port ${port} of the embedded PostgreSQL is taken by another program`);
    this.name = 'EmbeddedPostgresPortTaken';
  }
}

/** A port the system has free now (it picks it). */
const systemChosenPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** The port kept in `portFile` by an earlier start, if any (a file that does not hold a port is ignored). */
export const rememberedPort = (portFile: string): number | undefined => {
  if (!existsSync(portFile)) return undefined;
  const port = Number(readFileSync(portFile, 'utf8').trim());
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
};

const remember = (portFile: string, port: number): void => {
  // written whole under another name, then renamed: a reader never sees half a number
  const staging = `${portFile}.${process.pid}`;
  mkdirSync(dirname(portFile), { recursive: true });
  writeFileSync(staging, `${port}\n`);
  renameSync(staging, portFile);
};

/** The first free port after `taken` (a neighbour is easy to recognise), else one the system picks. */
const freePortAfter = async (taken: number, avoid: readonly number[]): Promise<number> => {
  for (let port = taken + 1; port <= Math.min(taken + 100, 65535); port++) {
    if (!avoid.includes(port) && (await isPortFree(port))) return port;
  }
  return systemChosenPort();
};

export type PortChoice = {
  port: number;
  /** set when the port usual for this data was taken and another one was chosen (and remembered) */
  instead?: number;
};

/**
 * The port for the embedded PostgreSQL to start on. Without `portFile` the port is fixed: used as it is, refused
 * (EmbeddedPostgresPortTaken) when taken. With it, the port remembered there, else `preferred`; when that one is taken
 * (or in `avoid`: a start on it just failed), the next free one, which is remembered in `portFile` so the next start
 * and the command-line tools find the server on it.
 */
export const choosePort = async (preferred: number, portFile?: string, avoid: readonly number[] = []): Promise<PortChoice> => {
  if (!portFile) {
    if (avoid.includes(preferred) || !(await isPortFree(preferred))) throw new EmbeddedPostgresPortTaken(preferred);
    return { port: preferred };
  }
  const usual = rememberedPort(portFile) ?? preferred;
  if (!avoid.includes(usual) && (await isPortFree(usual))) return { port: usual };
  const port = await freePortAfter(usual, avoid);
  remember(portFile, port);
  return { port, instead: usual };
};

/** Whether a failed start's log says the port was in use (TCP address or the Unix socket's lock of that port). */
export const portWasInUse = (log: string): boolean =>
  /Address already in use|could not create any TCP\/IP sockets|lock file "[^"]*\.s\.PGSQL\.\d+\.lock" already exists/i.test(log);
