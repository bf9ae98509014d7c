import { type DynamicModule, Module } from '@nestjs/common';
import type { GrpcClientOptions } from '../../../platform/grpc/grpc-client-options';
import type { FacadeBinding, FacadeSource } from '../../../platform/grpc/grpc-facade-server';
import { ApiKeyAuthenticator } from '../../../platform/http/api-keys';
import { RevokedSessions } from '../../../platform/http/revoked-sessions';
import { apiKeyAuthenticatorBinding, ApiKeyAuthenticatorGrpcClientModule } from './grpc.api-key-authenticator';
import { revokedSessionsBinding, RevokedSessionsGrpcClientModule } from './grpc.revoked-sessions';

/** The platform ports identity serves to other services, taken from the app that runs it (for a GrpcFacadeServer). */
export const identityGrpcBindings = (app: FacadeSource): FacadeBinding[] => [
  apiKeyAuthenticatorBinding(app.get(ApiKeyAuthenticator, { strict: false })),
  revokedSessionsBinding(app.get(RevokedSessions, { strict: false })),
];

/** Exports identity's ports (ApiKeyAuthenticator, RevokedSessions) as clients of the identity service at `address`. */
@Module({})
export class IdentityGrpcClientsModule {
  static forAddress(address: string, options?: Partial<GrpcClientOptions>): DynamicModule {
    const clients = [
      ApiKeyAuthenticatorGrpcClientModule.forAddress(address, options),
      RevokedSessionsGrpcClientModule.forAddress(address, options),
    ];
    return { module: IdentityGrpcClientsModule, imports: clients, exports: clients };
  }
}
