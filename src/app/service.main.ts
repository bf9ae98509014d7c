// first: tracing instruments the modules imported after it (off unless OTEL_* asks for it)
import './tracing.main';
import { EnsureAdminHandler } from '../contexts/identity/application/ensure-admin';
import { type Config, loadConfig } from '../platform/config';
import { GrpcFacadeServer } from '../platform/grpc/grpc-facade-server';
import { AppLogger } from '../platform/observability/logger';
import { trialListen } from '../platform/trial-listen';
import { Clock } from '../shared-kernel/clock';
import { newId } from '../shared-kernel/ids';
import { createApp, type RunningApp } from './create-app';
import { serviceShape } from './service.module';
import { facadeBindings } from './services/grpc-facades';
import { type ContextName, contextsOf, SERVES_FACADES } from './services/topology';
import { configOrExit, runMain } from './startup-failure';
import { stopOnSignals } from './stop-on-signals';

const fail = (sentence: string): never => {
  console.error(`orderly: ${sentence}`);
  process.exit(1);
};

/** The contexts named by the process's argument; a name that is unknown or missing is told in one sentence. */
const contextsOrExit = (argument: string | undefined): ContextName[] => {
  try {
    return contextsOf(argument);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
};

/** The gRPC port from GRPC_PORT (0: any free port); the address others reach it at is the orchestrator's to tell. */
const grpcPortOf = (env: NodeJS.ProcessEnv): number => {
  const value = env.GRPC_PORT?.trim() || '0';
  const port = Number(value);
  return Number.isInteger(port) && port >= 0 && port <= 65535 ? port : fail(`GRPC_PORT must be a port number, not "${value}"`);
};

const startGrpc = async (running: RunningApp, contexts: readonly ContextName[], config: Config): Promise<GrpcFacadeServer | undefined> => {
  const served = contexts.filter((context) => SERVES_FACADES.has(context));
  if (served.length === 0) return undefined;
  const server = new GrpcFacadeServer(
    served.flatMap((context) => facadeBindings(context, running.app)),
    { logger: running.logger.child({ component: 'grpc' }), host: config.host, port: grpcPortOf(process.env) },
  );
  const port = await server.start();
  running.logger.info('gRPC facades served', { contexts: served, port });
  return server;
};

/**
 * One service of the services topology: `node dist/app/service.main.js ordering` (or `ordering+payment`), with its
 * settings from the environment as the monolith's, plus its own DATABASE_URL, GRPC_PORT when it serves facades, and
 * `<CONTEXT>_GRPC_ADDRESS` of every context it calls. It talks to the others over the broker (AMQP_URL or NATS_URL)
 * and gRPC only; SIGINT/SIGTERM stop it in order.
 */
const main = async (): Promise<void> => {
  const contexts = contextsOrExit(process.argv[2]);
  const config = configOrExit(() => loadConfig(process.env), 'orderly');
  if (!config.databaseUrl) fail('a service runs on its own database: set DATABASE_URL');
  if (config.messageBus === 'in-process') fail('a service talks to the others over a broker: set AMQP_URL or NATS_URL');
  const logger = AppLogger.create(config.logLevel, undefined, `orderly-${contexts.join('+')}`);
  await trialListen(config.port, config.host);

  const running = await createApp(config, { logger }, serviceShape(contexts, process.env));
  let grpc: GrpcFacadeServer | undefined;
  try {
    grpc = await startGrpc(running, contexts, config);
    if (contexts.includes('identity') && config.admin) {
      const outcome = await running.app
        .get(EnsureAdminHandler)
        .execute(config.admin, { commandId: newId(), correlationId: newId(), now: running.app.get(Clock).now() });
      logger.info('admin account ensured', { email: config.admin.email, outcome });
    }
    await running.app.listen(config.port, config.host);
  } catch (error) {
    await grpc?.stop().catch(() => undefined);
    await running.shutdown().catch(() => undefined);
    throw error;
  }
  logger.info('service listening', { contexts, host: config.host, port: config.port });

  stopOnSignals(logger, async () => {
    // calls from other services in progress finish and new ones are refused (their callers answer 503) before the
    // pool closes, then the HTTP requests drain and the consumers stop
    await grpc?.stop();
    await running.shutdown();
  });
};

runMain(main, { prefix: 'orderly', fatal: 'orderly service failed to start' });
