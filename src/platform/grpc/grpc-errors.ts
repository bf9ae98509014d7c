import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { z } from 'zod';
import {
  Conflict,
  DomainError,
  type ErrorKind,
  Forbidden,
  InvalidInput,
  NotFound,
  RateLimited,
  Unauthorized,
  Unavailable,
  Unprocessable,
} from '../../shared-kernel/errors';
import { WrongExpectedVersion } from '../event-store/event-store';
import { isOutage } from '../outage';

/*
 * How a DomainError crosses a call (ADR 0036): a status code for its kind, so any gRPC client can tell a broken rule
 * from a failure, and the problem itself (kind, code, message, details) as JSON in the trailing metadata, from which
 * our client throws the same DomainError again. HTTP then answers the same problem+json as the monolith.
 */

/** Trailing metadata key of the problem; binary (`-bin`) because details may hold any text. */
export const PROBLEM_METADATA_KEY = 'orderly-problem-bin';

/** A problem larger than this crosses without its details: headers beyond the peer's limit (64 KiB) fail the call. */
export const MAX_PROBLEM_BYTES = 32 * 1024;

/** A DomainError as it crosses the wire. */
export type WireProblem = { kind: ErrorKind; code: string; message: string; details: Record<string, unknown> };

/** The status of each kind, as Google's API design guide pairs them with HTTP statuses. */
export const STATUS_OF_KIND: Readonly<Record<ErrorKind, status>> = {
  validation: status.INVALID_ARGUMENT,
  unauthorized: status.UNAUTHENTICATED,
  forbidden: status.PERMISSION_DENIED,
  not_found: status.NOT_FOUND,
  conflict: status.ABORTED,
  unprocessable: status.FAILED_PRECONDITION,
  rate_limited: status.RESOURCE_EXHAUSTED,
  unavailable: status.UNAVAILABLE,
};

type ErrorOfKind = new (code: string, message?: string, details?: Record<string, unknown>) => DomainError;

const ERROR_OF_KIND: Readonly<Record<ErrorKind, ErrorOfKind>> = {
  validation: InvalidInput,
  unauthorized: Unauthorized,
  forbidden: Forbidden,
  not_found: NotFound,
  conflict: Conflict,
  unprocessable: Unprocessable,
  rate_limited: RateLimited,
  unavailable: Unavailable,
};

const WireProblemSchema = z.object({
  kind: z.enum(Object.keys(STATUS_OF_KIND) as [ErrorKind, ...ErrorKind[]]),
  code: z.string().min(1).max(200),
  message: z.string().max(2000),
  details: z.record(z.string(), z.unknown()),
});

/** What the server answers for an error, and how it is to be logged. */
export type FailureAnswer = {
  code: status;
  details: string;
  metadata: Metadata;
  /** `rule`: a DomainError (the caller's business); `outage`: a dependency is down; `bug`: anything else */
  failure: 'rule' | 'outage' | 'bug';
};

/** Serialization failures and deadlocks, as the HTTP problem filter counts them: the command lost a race. */
const isLostRace = (error: unknown): boolean =>
  error instanceof WrongExpectedVersion || ['40001', '40P01'].includes((error as { code?: unknown } | null)?.code as string);

const problemMetadata = (problem: WireProblem): Metadata => {
  let json = Buffer.from(JSON.stringify(problem));
  if (json.length > MAX_PROBLEM_BYTES) json = Buffer.from(JSON.stringify({ ...problem, details: {} }));
  const metadata = new Metadata();
  metadata.set(PROBLEM_METADATA_KEY, json);
  return metadata;
};

const ruleAnswer = (problem: WireProblem): FailureAnswer => ({
  code: STATUS_OF_KIND[problem.kind],
  details: problem.message,
  metadata: problemMetadata(problem),
  failure: problem.kind === 'unavailable' ? 'outage' : 'rule',
});

/**
 * The status a server answers for what its implementation threw: a DomainError by its kind with the problem in the
 * trailing metadata; a lost race as the HTTP layer answers it (409 `concurrency.conflict`); an outage as UNAVAILABLE;
 * anything else as INTERNAL, its message kept from the caller.
 */
export const failureAnswer = (error: unknown): FailureAnswer => {
  if (error instanceof DomainError) {
    return ruleAnswer({ kind: error.kind, code: error.code, message: error.message, details: error.details });
  }
  if (isLostRace(error)) {
    return ruleAnswer({
      kind: 'conflict',
      code: 'concurrency.conflict',
      message: 'the resource was changed by a concurrent request; read it again and retry',
      details: {},
    });
  }
  if (isOutage(error))
    return { code: status.UNAVAILABLE, details: 'a dependency is unavailable', metadata: new Metadata(), failure: 'outage' };
  return { code: status.INTERNAL, details: 'internal error', metadata: new Metadata(), failure: 'bug' };
};

/** The problem a failed call carries, when it carries a well-formed one. */
export const problemOf = (metadata: Metadata | undefined): WireProblem | undefined => {
  const [value] = metadata?.get(PROBLEM_METADATA_KEY) ?? [];
  if (!Buffer.isBuffer(value)) return undefined;
  try {
    const parsed = WireProblemSchema.safeParse(JSON.parse(value.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

/** A call failed for a reason that is neither a broken rule nor an outage: answered as a 500, like any bug. */
export class GrpcCallFailed extends Error {
  constructor(
    readonly method: string,
    readonly grpcStatus: status,
    options: { cause: unknown },
  ) {
    super(`gRPC call ${method} failed with status ${status[grpcStatus] ?? grpcStatus}`, options);
    this.name = 'GrpcCallFailed';
  }
}

/**
 * Statuses without a problem that mean the peer could not answer: down or unreachable (UNAVAILABLE), too slow
 * (DEADLINE_EXCEEDED), or cut off by its shutdown (CANCELLED: our clients never cancel a call themselves).
 */
const PEER_OUTAGES: ReadonlySet<status> = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.CANCELLED]);

/**
 * What the client throws for a failed call of `method` (`/orderly.catalog.v1.ProductCatalog/FindBySkus`): the
 * DomainError the server threw; Unavailable (503) when the peer is down, unreachable, too slow or went away during
 * the call, so callers wait it out like any outage; GrpcCallFailed otherwise.
 */
export const errorOfFailedCall = (error: ServiceError, method: string): Error => {
  const problem = problemOf(error.metadata);
  if (problem) return new ERROR_OF_KIND[problem.kind](problem.code, problem.message, problem.details);
  if (PEER_OUTAGES.has(error.code)) {
    return Object.assign(new Unavailable('service.unavailable', 'a service this request needs is not reachable; retry later'), {
      cause: error,
    });
  }
  return new GrpcCallFailed(method, error.code, { cause: error });
};
