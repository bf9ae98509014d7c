import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ownChild } from './child-process';
import { renderNginxConfig } from './nginx-config';

/** nginx lives in sbin, which a user's PATH often lacks. */
const NGINX_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin'];
const READY_WAIT_MS = 10_000;
const STOP_WAIT_MS = 5_000;

/** The nginx program, or undefined when it is not installed. */
export const findNginx = (path = process.env.PATH ?? ''): string | undefined => {
  for (const dir of [...path.split(delimiter).filter(Boolean), ...NGINX_DIRS]) {
    const candidate = join(dir, 'nginx');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
};

export type RunningNginx = { url: string; child: ChildProcess; stop(): Promise<void> };

const answers = async (url: string): Promise<boolean> => {
  try {
    return (await fetch(`${url}/nginx-health`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
};

/**
 * Runs nginx in the foreground in front of `gateways`, listening on `host:port`, with its configuration, pid and
 * temporary files in a directory of its own (readable by the unprivileged user nginx's workers run as when started by
 * root). Resolves once it answers its health location; `stop()` ends it gracefully and removes the directory.
 */
export const startNginx = async (options: {
  program: string;
  host: string;
  port: number;
  gateways: readonly string[];
  onOutput?: (line: string) => void;
}): Promise<RunningNginx> => {
  const prefix = mkdtempSync(join(tmpdir(), 'orderly-nginx-'));
  chmodSync(prefix, 0o755);
  const config = join(prefix, 'nginx.conf');
  writeFileSync(config, renderNginxConfig({ listen: `${options.host}:${options.port}`, gateways: options.gateways, prefix }));
  const child = spawn(options.program, ['-p', prefix, '-c', config, '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  ownChild(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim()) options.onOutput?.(line);
    });
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT'); // graceful: requests in flight finish
      const forced = setTimeout(() => child.kill('SIGKILL'), STOP_WAIT_MS);
      await exited;
      clearTimeout(forced);
    }
    rmSync(prefix, { recursive: true, force: true });
  };
  const url = `http://${options.host}:${options.port}`;
  const deadline = Date.now() + READY_WAIT_MS;
  while (!(await answers(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not start on ${options.host}:${options.port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, child, stop };
};
