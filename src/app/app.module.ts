import { DynamicModule, Module } from '@nestjs/common';
import type { Config } from '../platform/config';
import { composeContexts } from './compose-contexts';
import { PlatformModule, PlatformOptions } from './platform.module';
import { CONTEXTS } from './services/topology';

/** The monolith: the global platform plus every context, each facade provided in process by its own context's module. */
@Module({})
export class AppModule {
  static forRoot(config: Config, options: PlatformOptions = {}): DynamicModule {
    const { modules, httpPorts } = composeContexts(CONTEXTS, (context) => {
      throw new Error(`the monolith runs every context; ${context} cannot be elsewhere`);
    });
    return { module: AppModule, imports: [PlatformModule.forRoot(config, options, httpPorts), ...modules] };
  }
}
