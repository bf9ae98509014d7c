import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from './processes';

/** Whether Debian's redis-server is installed (the machine's services include it). */
export const hasRedisServer = (): boolean => !spawnSync('redis-server', ['--version']).error;

const READY_ATTEMPTS = 50;

/**
 * A redis-server of the test's own on a free loopback port, which the test may stop (SIGKILL, as a crash) and start
 * again on the same port; the machine's Redis is never touched. Keeps nothing on disk.
 */
export const privateRedis = async () => {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      for (let attempt = 0; attempt < READY_ATTEMPTS; attempt++) {
        if (
          await probe.connect().then(
            () => true,
            () => false,
          )
        )
          return;
        await sleep(100);
      }
      throw new Error(`redis-server did not start on port ${port}`);
    } finally {
      probe.disconnect();
    }
  };

  const stop = async (): Promise<void> => {
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const stopped = new Promise((resolve) => server?.once('exit', resolve));
    server.kill('SIGKILL');
    await stopped;
    server = undefined;
  };

  await start();
  return { url, port, start, stop };
};
