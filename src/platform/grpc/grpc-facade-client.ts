import { Client, credentials, type ServiceError, status } from '@grpc/grpc-js';
import { DomainError } from '../../shared-kernel/errors';
import { currentCorrelationId, inClientSpan, outgoingMetadata } from './call-context';
import type { FacadeService } from './facade-service';
import { errorOfFailedCall, GrpcCallFailed, STATUS_OF_KIND } from './grpc-errors';
import { DEFAULT_GRPC_CLIENT_OPTIONS, type GrpcClientOptions } from './grpc-client-options';

/** Calls the methods of one facade service at one address. */
export type FacadeClient = {
  /** The service's `host:port` (any gRPC target: `dns:///catalog:50051`, `unix:…`). */
  readonly address: string;
  /**
   * Calls `method` (as the .proto names it) with the request message; resolves with the response message or throws
   * what `errorOfFailedCall` makes of the failure. `correlationId`: the command's, when the call carries one; else
   * the one bound to the current log context (the request's).
   */
  call<Request, Response>(method: string, request: Request, options?: { correlationId?: string }): Promise<Response>;
  /** Closes the connection; calls made afterwards fail. */
  close(): void;
};

/** A reconnection after the peer went away is tried at most this far apart: a restarted service is found again soon. */
const MAX_RECONNECT_BACKOFF_MS = 5_000;
/** How long a keepalive ping may go unanswered before the connection counts as dead. */
const KEEPALIVE_TIMEOUT_MS = 10_000;

/** The status a failure of `call` stands for (for the client span). */
const statusOfFailure = (error: unknown): status => {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (typeof cause?.code === 'number') return cause.code as status;
  if (error instanceof DomainError) return STATUS_OF_KIND[error.kind];
  if (error instanceof GrpcCallFailed) return error.grpcStatus;
  return status.UNKNOWN;
};

/**
 * A client of `service` at `address` (ADR 0036). Each call has a deadline and fails at once while the peer is down
 * (`waitForReady` off): callers answer 503 rather than queue behind a dead service. Each runs in a CLIENT span whose
 * trace context travels in the metadata, with the correlation id.
 */
export const createFacadeClient = (service: FacadeService, address: string, options: Partial<GrpcClientOptions> = {}): FacadeClient => {
  const { deadlineMs, keepaliveMs, credentials: channelCredentials } = { ...DEFAULT_GRPC_CLIENT_OPTIONS, ...options };
  const client = new Client(address, channelCredentials ?? credentials.createInsecure(), {
    'grpc.keepalive_time_ms': keepaliveMs,
    'grpc.keepalive_timeout_ms': Math.min(keepaliveMs, KEEPALIVE_TIMEOUT_MS),
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_reconnect_backoff_ms': MAX_RECONNECT_BACKOFF_MS,
  });

  const call = <Request, Response>(method: string, request: Request, callOptions: { correlationId?: string } = {}): Promise<Response> => {
    const definition = service.definition[method];
    if (!definition) return Promise.reject(new Error(`${service.name} has no method ${method}`));
    return inClientSpan(
      service.name,
      method,
      (carrier) =>
        new Promise<Response>((resolve, reject) => {
          client.makeUnaryRequest<Request, Response>(
            definition.path,
            definition.requestSerialize,
            definition.responseDeserialize,
            request,
            outgoingMetadata(carrier, callOptions.correlationId ?? currentCorrelationId()),
            { deadline: Date.now() + deadlineMs },
            (error: ServiceError | null, response?: Response) => {
              if (error) reject(errorOfFailedCall(error, definition.path));
              else resolve(response as Response);
            },
          );
        }),
      statusOfFailure,
    );
  };

  return { address, call, close: () => client.close() };
};
