import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isReachable } from './backends';
import { until } from './invariants';
import { freePort } from './processes';

/** Whether the nats-server program is installed (suites that need a server of their own skip without it, unless CI). */
export const natsServerInstalled = (): boolean => spawnSync('nats-server', ['--version']).status === 0;

export type PrivateNats = {
  url: string;
  running(): boolean;
  /** Starts the server, on the same port and JetStream store each time: clients find it, and their streams, again. */
  start(): Promise<void>;
  /** Stops it as an operator would (SIGTERM), and waits until it has exited. */
  stop(): Promise<void>;
  /** Stops it for good and removes its store. */
  dispose(): Promise<void>;
};

const EXIT_WAIT_MS = 10_000;

/**
 * A nats-server of the test's own, with JetStream, on a free loopback port and a store in a temporary directory:
 * a test can stop and start it at will without touching the machine's shared server.
 */
export const privateNats = async (): Promise<PrivateNats> => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'orderly-nats-'));
  const url = `nats://127.0.0.1:${port}`;
  let server: ChildProcess | undefined;
  const running = () => !!server && server.exitCode === null && server.signalCode === null;

  const signal = async (name: NodeJS.Signals) => {
    const child = server;
    if (!child || !running()) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(name);
    const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_WAIT_MS);
    await exited.finally(() => clearTimeout(timer));
  };

  return {
    url,
    running,
    start: async () => {
      if (running()) return;
      const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
      server = child;
      await until('the private NATS server to listen', async () => {
        if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
        return isReachable(url, 200);
      });
    },
    stop: () => signal('SIGTERM'),
    dispose: async () => {
      await signal('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
