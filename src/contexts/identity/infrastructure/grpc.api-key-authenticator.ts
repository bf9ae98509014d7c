import { join } from 'node:path';
import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { loadFacadeService } from '../../../platform/grpc/facade-service';
import type { GrpcClientOptions } from '../../../platform/grpc/grpc-client-options';
import { createFacadeClient, type FacadeClient } from '../../../platform/grpc/grpc-facade-client';
import { bindFacade, type FacadeBinding } from '../../../platform/grpc/grpc-facade-server';
import { ApiKeyAuthenticator, type ApiKeyPrincipal } from '../../../platform/http/api-keys';

/** identity.proto sits next to the contracts, in src/ and (copied by the build) in dist/. */
const apiKeyAuthenticatorService = () =>
  loadFacadeService(join(__dirname, '../contracts/identity.proto'), 'orderly.identity.v1.ApiKeyAuthenticator');

type AuthenticateRequest = { key: string };
type AuthenticateResponse = { principal: { keyId: string; scopes: string[] } | null };

/**
 * ApiKeyAuthenticator answered by the identity service: the auth guard of a process that does not run identity.
 * A refused key is null, as in process; identity being down is an outage (503), never a refusal.
 */
export class GrpcApiKeyAuthenticator extends ApiKeyAuthenticator implements OnApplicationShutdown {
  private readonly client: FacadeClient;

  constructor(address: string, options?: Partial<GrpcClientOptions>) {
    super();
    this.client = createFacadeClient(apiKeyAuthenticatorService(), address, options);
  }

  async authenticate(key: string): Promise<ApiKeyPrincipal | null> {
    const { principal } = await this.client.call<AuthenticateRequest, AuthenticateResponse>('Authenticate', { key });
    return principal ? { keyId: principal.keyId, scopes: principal.scopes } : null;
  }

  onApplicationShutdown(): void {
    this.client.close();
  }
}

/** Serves `authenticator` (identity's ApiKeyAuthenticator) as orderly.identity.v1.ApiKeyAuthenticator. */
export const apiKeyAuthenticatorBinding = (authenticator: ApiKeyAuthenticator): FacadeBinding =>
  bindFacade(apiKeyAuthenticatorService(), {
    Authenticate: async ({ key }: AuthenticateRequest): Promise<AuthenticateResponse> => {
      const principal = await authenticator.authenticate(key);
      return { principal: principal ? { keyId: principal.keyId, scopes: [...principal.scopes] } : null };
    },
  });

/** Provides and exports ApiKeyAuthenticator as a client of the identity service at `address` (`host:port`). */
@Module({})
export class ApiKeyAuthenticatorGrpcClientModule {
  static forAddress(address: string, options?: Partial<GrpcClientOptions>): DynamicModule {
    return {
      module: ApiKeyAuthenticatorGrpcClientModule,
      providers: [{ provide: ApiKeyAuthenticator, useFactory: () => new GrpcApiKeyAuthenticator(address, options) }],
      exports: [ApiKeyAuthenticator],
    };
  }
}
