import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'amqplib';
import { until } from './invariants';
import { freePort } from './processes';

/** Where the Debian package keeps the scripts that run as the calling user (/usr/sbin's switch to `rabbitmq`). */
const RABBITMQ_SCRIPTS = process.env.RABBITMQ_SCRIPTS_DIR ?? '/usr/lib/rabbitmq/bin';

export const rabbitMqInstalled = existsSync(join(RABBITMQ_SCRIPTS, 'rabbitmq-server'));

export type PrivateRabbitMq = {
  /** amqp://guest:guest@127.0.0.1:<its port> */
  url: string;
  running(): boolean;
  /** Starts the node (again: same name, ports and data, so durable queues and their messages are back) and waits until it accepts AMQP connections. */
  start(): Promise<void>;
  /** Stops the node cleanly (`rabbitmqctl stop`), killing its process group if that does not end it in time. */
  stop(): Promise<void>;
  /** Stops the node and deletes its directory. */
  dispose(): Promise<void>;
};

/**
 * A RabbitMQ node of the test's own: its own node name, AMQP and distribution ports on loopback, data, logs,
 * configuration and Erlang cookie in a temporary directory, no plugins. The machine's shared broker is never touched.
 */
export const privateRabbitMq = async (): Promise<PrivateRabbitMq> => {
  const dir = mkdtempSync(join(tmpdir(), 'orderly-rabbitmq-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  // rabbitmq-server and rabbitmqctl read the cookie from $HOME; the file must be readable by its owner only
  writeFileSync(join(home, '.erlang.cookie'), randomBytes(20).toString('hex'), { mode: 0o400 });
  const [amqpPort, distPort] = [await freePort(), await freePort()];
  const node = `orderly-test-${randomBytes(4).toString('hex')}@localhost`;
  writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${amqpPort}\n`);
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), ''); // not the machine's, which names the shared node
  const env = {
    ...process.env,
    HOME: home,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_FLAGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  const url = `amqp://guest:guest@127.0.0.1:${amqpPort}`;
  let server: ChildProcess | undefined;
  const running = () => !!server && server.exitCode === null && server.signalCode === null;

  const acceptsConnections = async (): Promise<boolean> => {
    try {
      await (await connect(url)).close();
      return true;
    } catch {
      return false;
    }
  };

  const stop = async () => {
    const child = server;
    if (!child || !running()) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    spawnSync(join(RABBITMQ_SCRIPTS, 'rabbitmqctl'), ['-n', node, 'stop'], { env, stdio: 'ignore', timeout: 30_000 });
    const ended = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 15_000))]);
    if (!ended) {
      process.kill(-child.pid!, 'SIGKILL'); // the whole group: the script, the Erlang VM and its port programs
      await exited;
    }
  };

  return {
    url,
    running,
    start: async () => {
      if (running()) return;
      const child = spawn(join(RABBITMQ_SCRIPTS, 'rabbitmq-server'), [], { env, detached: true, stdio: 'ignore' });
      server = child;
      await until(
        'the private RabbitMQ node to accept AMQP connections',
        async () => {
          if (!running()) throw new Error(`rabbitmq-server exited with ${child.exitCode ?? child.signalCode}; see ${dir}/log`);
          return acceptsConnections();
        },
        60_000,
        250,
      );
    },
    stop,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
