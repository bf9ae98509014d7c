import { join } from 'node:path';
import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { loadFacadeService } from '../../../platform/grpc/facade-service';
import type { GrpcClientOptions } from '../../../platform/grpc/grpc-client-options';
import { createFacadeClient, type FacadeClient } from '../../../platform/grpc/grpc-facade-client';
import { bindFacade, type FacadeBinding } from '../../../platform/grpc/grpc-facade-server';
import { RevokedSessions } from '../../../platform/http/revoked-sessions';

/** identity.proto sits next to the contracts, in src/ and (copied by the build) in dist/. */
const revokedSessionsService = () =>
  loadFacadeService(join(__dirname, '../contracts/identity.proto'), 'orderly.identity.v1.RevokedSessions');

type IsRevokedRequest = { sessionId: string };
type IsRevokedResponse = { revoked: boolean };

/**
 * RevokedSessions answered by the identity service: access tokens of a process that does not run identity. Identity
 * being down is an outage (503): a token is never taken for valid because the revocation list could not be read.
 */
export class GrpcRevokedSessions extends RevokedSessions implements OnApplicationShutdown {
  private readonly client: FacadeClient;

  constructor(address: string, options?: Partial<GrpcClientOptions>) {
    super();
    this.client = createFacadeClient(revokedSessionsService(), address, options);
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    return (await this.client.call<IsRevokedRequest, IsRevokedResponse>('IsRevoked', { sessionId })).revoked;
  }

  onApplicationShutdown(): void {
    this.client.close();
  }
}

/** Serves `sessions` (identity's RevokedSessions) as orderly.identity.v1.RevokedSessions. */
export const revokedSessionsBinding = (sessions: RevokedSessions): FacadeBinding =>
  bindFacade(revokedSessionsService(), {
    IsRevoked: async ({ sessionId }: IsRevokedRequest): Promise<IsRevokedResponse> => ({ revoked: await sessions.isRevoked(sessionId) }),
  });

/** Provides and exports RevokedSessions as a client of the identity service at `address` (`host:port`). */
@Module({})
export class RevokedSessionsGrpcClientModule {
  static forAddress(address: string, options?: Partial<GrpcClientOptions>): DynamicModule {
    return {
      module: RevokedSessionsGrpcClientModule,
      providers: [{ provide: RevokedSessions, useFactory: () => new GrpcRevokedSessions(address, options) }],
      exports: [RevokedSessions],
    };
  }
}
