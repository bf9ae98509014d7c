import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

const STOP_WAIT_MS = 35_000;

/**
 * Every child still running. Children run in process groups of their own, so a Ctrl-C in the terminal reaches only
 * the starter, which stops them in order; should the starter exit without having stopped one, it is killed then.
 */
const running = new Set<ChildProcess>();
let killOnExit = false;

/** Runs `child` in a process group of its own, killed when this process exits before it. */
export const ownChild = (child: ChildProcess): void => {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (killOnExit) return;
  killOnExit = true;
  process.once('exit', () => {
    // the whole group: nginx's workers outlive their master otherwise
    for (const orphan of running) if (orphan.pid !== undefined) process.kill(-orphan.pid, 'SIGKILL');
  });
};
const READY_POLL_MS = 200;

export type ChildSpec = {
  name: string;
  script: string;
  args?: readonly string[];
  env: NodeJS.ProcessEnv;
  url: string;
  logDir: string;
};

/** One process of the local topology: a service or a gateway. */
export type Child = {
  name: string;
  /** how it was started: the same again starts it again (after a crash, or a second instance on other ports) */
  spec: ChildSpec;
  /** its HTTP base URL */
  url: string;
  process: ChildProcess;
  /** the file its output goes to */
  log: string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
};

/**
 * Starts `node <script> ...args` with `env`, its output appended to `<logDir>/<name>.log` (the terminal shows only
 * progress); `stop()` sends SIGTERM (the process drains and shuts down in order) and SIGKILL after STOP_WAIT_MS.
 */
export const startChild = (options: ChildSpec): Child => {
  mkdirSync(options.logDir, { recursive: true });
  const log = join(options.logDir, `${options.name}.log`);
  const output: WriteStream = createWriteStream(log, { flags: 'a' });
  const child = spawn(process.execPath, [options.script, ...(options.args ?? [])], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  ownChild(child);
  child.stdout.pipe(output, { end: false });
  child.stderr.pipe(output, { end: false });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      output.end();
      resolve(code);
    }),
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), STOP_WAIT_MS);
    await exited;
    clearTimeout(forced);
  };
  return { name: options.name, spec: options, url: options.url, process: child, log, exited, stop };
};

/** Resolves once `url` answers 200, rejects when the child exits first or `timeoutMs` passes. */
export const waitUntilReady = async (child: Child, path: string, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`${child.name} exited while starting; its output is in ${child.log}`);
    try {
      const response = await fetch(`${child.url}${path}`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${child.name} was not ready after ${timeoutMs / 1000} s; its output is in ${child.log}`);
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
};
