import { type handleUnaryCall, Server, ServerCredentials, type ServiceError, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { INestApplicationContext } from '@nestjs/common';
import { type AppLogger, withLogContext } from '../observability/logger';
import { incomingCarrier, type IncomingCall, inServerSpan } from './call-context';
import type { FacadeService } from './facade-service';
import { failureAnswer } from './grpc-errors';

/** Answers one method of a facade: the decoded request in, the response message out; throws as the facade does. */
export type UnaryHandler<Request, Response> = (request: Request, call: IncomingCall) => Promise<Response>;

/** A facade's service and a handler per method (by the .proto's method name), ready to be served. */
export type FacadeBinding = {
  service: FacadeService;
  handlers: Readonly<Record<string, UnaryHandler<never, unknown>>>;
};

/** Where a composition root takes the in-process facades from: the Nest application or a module reference. */
export type FacadeSource = Pick<INestApplicationContext, 'get'>;

/** Binds `handlers` to `service`; each method of the service needs exactly one handler, named as in the .proto. */
export const bindFacade = (service: FacadeService, handlers: Record<string, UnaryHandler<never, unknown>>): FacadeBinding => {
  const methods = Object.keys(service.definition);
  const missing = methods.filter((method) => !(method in handlers));
  const unknown = Object.keys(handlers).filter((name) => !methods.includes(name));
  if (missing.length > 0 || unknown.length > 0) {
    throw new Error(`bindings of ${service.name}: missing [${missing.join(', ')}], unknown [${unknown.join(', ')}]`);
  }
  return { service, handlers };
};

export type GrpcServerOptions = {
  logger: AppLogger;
  /** Default 127.0.0.1: reachable from this host only, until the deployment says otherwise. */
  host?: string;
  /** Default 0: any free port (`start` tells which). */
  port?: number;
  /** How long `stop` lets calls in progress finish before it cuts them off. Default 10 s. */
  shutdownGraceMs?: number;
  /** Default: plaintext, for a private network; pass `ServerCredentials.createSsl(…)` across untrusted ones. */
  credentials?: ServerCredentials;
};

/**
 * Serves facades of the contexts this process runs to the services that call them (ADR 0036). Each call runs in a
 * SERVER span continuing the caller's trace, with the caller's correlation id bound to its log lines; a DomainError
 * crosses as its status with the problem in the trailing metadata, anything else as UNAVAILABLE (an outage) or
 * INTERNAL (logged here, never shown to the caller).
 */
export class GrpcFacadeServer {
  private readonly server = new Server();
  private readonly host: string;
  private boundPort: number | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    bindings: readonly FacadeBinding[],
    private readonly options: GrpcServerOptions,
  ) {
    this.host = options.host ?? '127.0.0.1';
    for (const { service, handlers } of bindings) {
      const implementation: UntypedServiceImplementation = {};
      for (const [method, handler] of Object.entries(handlers)) implementation[method] = this.serve(service.name, method, handler);
      this.server.addService(service.definition, implementation);
    }
  }

  /** Listens on the host and port; resolves with the bound port. */
  async start(): Promise<number> {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    const credentials = this.options.credentials ?? ServerCredentials.createInsecure();
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${host}:${this.options.port ?? 0}`, credentials, (error, port) => (error ? reject(error) : resolve(port))),
    );
    return this.boundPort;
  }

  /** The bound port; throws before `start`. */
  get port(): number {
    if (this.boundPort === undefined) throw new Error('the gRPC server is not started');
    return this.boundPort;
  }

  /** `host:port` as a client on this host dials it. */
  get address(): string {
    const host = this.host === '0.0.0.0' ? '127.0.0.1' : this.host === '::' ? '::1' : this.host;
    return `${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  /**
   * Stops accepting calls, lets those in progress finish for at most the grace period, then cuts the rest off.
   * Calling it again waits for the same shutdown.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    const graceMs = this.options.shutdownGraceMs ?? 10_000;
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(() => {
        this.options.logger.warn('gRPC calls still running at the end of the grace period: cut off', { graceMs });
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(deadline);
        resolve();
      });
    });
  }

  private serve(service: string, method: string, handler: UnaryHandler<never, unknown>): handleUnaryCall<unknown, unknown> {
    const statusOf = (error: unknown) => failureAnswer(error).code;
    return (call, callback) => {
      const caller = incomingCarrier(call.metadata);
      const respond = () =>
        inServerSpan(service, method, caller.trace, (trace) => handler(call.request as never, { ...caller, trace }), statusOf).then(
          (response) => callback(null, response),
          (error: unknown) => callback(this.failure(service, method, error)),
        );
      void (caller.correlationId ? withLogContext({ correlationId: caller.correlationId }, respond) : respond());
    };
  }

  private failure(service: string, method: string, error: unknown): Partial<ServiceError> {
    const answer = failureAnswer(error);
    if (answer.failure === 'bug') this.options.logger.error('gRPC call failed', { err: error, service, method });
    else if (answer.failure === 'outage')
      this.options.logger.warn('gRPC call refused: a dependency is unavailable', { err: error, service, method });
    return { code: answer.code, details: answer.details, metadata: answer.metadata };
  }
}
