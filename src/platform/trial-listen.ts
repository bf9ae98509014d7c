import { createServer } from 'node:net';

/**
 * A trial listen on `host:port`, closed at once: resolves when a server could listen there now, rejects with the error
 * a real listen would give (EADDRINUSE for a taken port). Used before a start does slow work (initdb, migrations), so a
 * taken port is told at once.
 */
export const trialListen = (port: number, host: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve()));
  });

/** Whether a server could listen on `host:port` now; an error other than a taken or forbidden port is thrown. */
export const isPortFree = async (port: number, host = '127.0.0.1'): Promise<boolean> => {
  try {
    await trialListen(port, host);
    return true;
  } catch (error) {
    if (['EADDRINUSE', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '')) return false;
    throw error;
  }
};
