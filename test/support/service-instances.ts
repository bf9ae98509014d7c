import { readFileSync } from 'node:fs';
import { type Child, startChild, waitUntilReady } from '../../src/app/services/child-process';
import type { LocalTopology } from '../../src/app/services/local-topology';
import type { ContextName } from '../../src/app/services/topology';
import { freePort } from './processes';
import { scrape, type Sample } from './scrape';

/**
 * The processes of a running services topology as a fault test handles them: killed, started again, doubled. Every
 * process started here is adopted by the topology, so its `stop()` stops it too.
 */

/** How long a service may take to start again (migrations already ran; the broker and gRPC connect). */
const READY_MS = 120_000;

/** The running process of the service that runs `context` alone. */
export const serviceProcess = (topology: LocalTopology, context: ContextName): Child => {
  const child = topology.services.find((service) => service.name === context);
  if (!child) throw new Error(`the topology runs no service named ${context}: ${topology.services.map((s) => s.name).join(', ')}`);
  return child;
};

/** SIGKILL: the process dies at once, mid-transaction and mid-delivery, as in a crash; resolves once it has exited. */
export const kill9 = async (child: Child): Promise<void> => {
  child.process.kill('SIGKILL');
  await child.exited;
};

/** Starts `spec` (a process that stopped, or a new instance), adopted by the topology, once it is ready. */
export const startAdopted = async (topology: LocalTopology, spec: Child['spec']): Promise<Child> => {
  const child = startChild(spec);
  topology.adopt(child);
  await waitUntilReady(child, '/health/ready', READY_MS);
  return child;
};

/** Starts the stopped service of `context` again with its own settings, in its place in `topology.services`. */
export const startServiceAgain = async (topology: LocalTopology, context: ContextName): Promise<Child> => {
  const stopped = serviceProcess(topology, context);
  if (stopped.process.exitCode === null && stopped.process.signalCode === null) throw new Error(`${context} is still running`);
  const again = await startAdopted(topology, stopped.spec);
  topology.services[topology.services.indexOf(stopped)] = again;
  return again;
};

/**
 * A second instance of the service of `context`: the same settings (database, broker, subscriptions), its own HTTP
 * port, and no gRPC port of its own (its callers are configured with the first instance's address).
 */
export const startSecondInstance = async (topology: LocalTopology, context: ContextName): Promise<Child> => {
  const { spec } = serviceProcess(topology, context);
  const port = await freePort();
  return startAdopted(topology, {
    ...spec,
    name: `${spec.name}-2`,
    url: `http://127.0.0.1:${port}`,
    env: { ...spec.env, PORT: String(port), GRPC_PORT: spec.env.GRPC_PORT ? String(await freePort()) : '' },
  });
};

/**
 * Where the process's metrics are served: METRICS_PORT=0 gives each process a free port, which it names in its log
 * ("metrics server listening"). A process started again appends to the same log: its own line is the last one.
 */
export const metricsUrlOf = (child: Child): string => {
  const lines = readFileSync(child.log, 'utf8')
    .split('\n')
    .filter((line) => line.includes('metrics server listening'));
  const last = lines.at(-1);
  if (!last) throw new Error(`${child.name} logged no "metrics server listening" line in ${child.log}`);
  const { host, port } = JSON.parse(last) as { host: string; port: number };
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/metrics`;
};

/** The process's metrics, scraped now. */
export const metricsOf = (child: Child): Promise<Sample[]> => scrape(metricsUrlOf(child));
