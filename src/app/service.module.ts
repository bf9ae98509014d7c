import { DynamicModule, Module } from '@nestjs/common';
import type { Config } from '../platform/config';
import { migrationsFor } from './all-migrations';
import type { AppShape } from './create-app';
import { composeContexts } from './compose-contexts';
import { PlatformModule, PlatformOptions } from './platform.module';
import { facadeClientModule } from './services/grpc-facades';
import { type ContextName, grpcAddressVariable } from './services/topology';

/** Where a service finds the processes whose facades it calls: `<CONTEXT>_GRPC_ADDRESS` (`host:port`). */
export const peerAddress = (env: NodeJS.ProcessEnv, context: ContextName): string => {
  const address = env[grpcAddressVariable(context)]?.trim();
  if (!address) throw new Error(`${grpcAddressVariable(context)} is not set: where does this service reach ${context}?`);
  return address;
};

/**
 * One service of the services topology: the platform and the modules of `contexts`, the facades of every other
 * context they call being gRPC clients of the process that runs it.
 */
@Module({})
export class ServiceModule {
  static forRoot(config: Config, options: PlatformOptions, contexts: readonly ContextName[], env: NodeJS.ProcessEnv): DynamicModule {
    const { modules, httpPorts } = composeContexts(contexts, (context) =>
      facadeClientModule(context, peerAddress(env, context), config.grpcClient),
    );
    return { module: ServiceModule, imports: [PlatformModule.forRoot(config, options, httpPorts), ...modules] };
  }
}

/** The app of a service running `contexts`: their modules and only their schemas (and the platform's) in its database. */
export const serviceShape = (contexts: readonly ContextName[], env: NodeJS.ProcessEnv): AppShape => ({
  root: (config, options) => ServiceModule.forRoot(config, options, contexts, env),
  migrations: migrationsFor(contexts),
});
