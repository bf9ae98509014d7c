import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { OperationObject, ResponseObject, SchemaObject } from '@nestjs/swagger';

/**
 * The vendor extension on a problem response that lists the stable `code`s it may carry, e.g.
 * `"404": { "x-problem-codes": ["ordering.order_not_found"] }`: what clients switch on, in a form tools can read (the
 * description repeats it for people). The tests check both ways: every code an answer carries is listed for its
 * route and status, and every listed code is one the code base has.
 */
export const PROBLEM_CODES = 'x-problem-codes';

export const PROBLEM_REF = '#/components/schemas/Problem';

/** A problem response as documented: the RFC 9457 body and the codes it may carry. */
export type ProblemResponseObject = ResponseObject & { [PROBLEM_CODES]?: string[] };

export const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', description: 'URI identifying the problem type' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', description: "stable machine-readable code '<context>.<snake_case>'" },
    instance: { type: 'string' },
    correlationId: { type: 'string', description: 'the X-Request-Id of the request' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' } } },
    },
    details: { type: 'object', additionalProperties: true },
  },
};

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid request (problem+json; `errors` lists each invalid field)',
  401: 'missing or invalid access token',
  403: 'the caller may not do this',
  404: 'not found',
  409: 'conflict with the current state',
  413: 'request body too large',
  414: 'a path parameter is longer than the server routes (over 100 characters)',
  415: 'unsupported media type',
  422: 'unprocessable (e.g. an Idempotency-Key reused with a different body)',
  429: 'too many requests (see Retry-After)',
  500: 'unexpected error (no internals are disclosed)',
  503: 'temporarily unavailable (see Retry-After)',
};

const describe = (status: number, codes: readonly string[]) =>
  `${PROBLEM_DESCRIPTIONS[status] ?? 'error'}${codes.length ? `. Codes: ${codes.map((c) => `\`${c}\``).join(', ')}` : ''}`;

export const problemResponse = (status: number, codes: readonly string[] = []): ProblemResponseObject => ({
  description: describe(status, codes),
  content: { 'application/problem+json': { schema: { $ref: PROBLEM_REF } } },
  ...(codes.length ? { [PROBLEM_CODES]: [...codes] } : {}),
});

/**
 * Documents error responses of a route as RFC 9457 problem+json: a status alone, or statuses with the stable
 * `code`s the route may answer with them, e.g. `ApiProblems(400, { 404: ['ordering.order_not_found'] })`. The codes
 * the platform answers on every route of its kind (credentials, validation, idempotency, outages) are added when
 * the document is built.
 */
export const ApiProblems = (...entries: (number | Record<number, readonly string[]>)[]) =>
  applyDecorators(
    ...entries.flatMap((entry) =>
      typeof entry === 'number'
        ? [ApiResponse({ status: entry, ...problemResponse(entry) })]
        : Object.entries(entry).map(([status, codes]) =>
            ApiResponse({ status: Number(status), ...problemResponse(Number(status), codes) }),
          ),
    ),
  );

/** Adds `codes` to the operation's problem response of `status` (created when missing), keeping the ones it lists. */
export const addProblemCodes = (operation: OperationObject, status: number, codes: readonly string[]): void => {
  const own = operation.responses[String(status)] as ProblemResponseObject | undefined;
  const merged = [...new Set([...(own?.[PROBLEM_CODES] ?? []), ...codes])];
  operation.responses[String(status)] = { ...own, ...problemResponse(status, merged) };
};

/** What the platform enforces on a route, as far as its answers go. */
export type PlatformTraits = {
  isPublic: boolean;
  /** a write (POST, PUT, PATCH, DELETE): it may lose a race on a stream */
  writes: boolean;
  hasBody: boolean;
  /** query parameters validated by a zod schema */
  hasQuery: boolean;
  /** parameters in the path, which the router checks before the route sees them */
  hasPathParams: boolean;
  idempotent?: { required: boolean };
};

/**
 * The codes the platform itself may answer on a route of these traits, whatever its handler does: the router (path
 * parameters too long or not UTF-8), the auth guard (credentials, roles, API key scopes), safe-input and zod
 * validation, body parsing, the idempotency layer (an over-long Idempotency-Key is refused on every route, since every
 * request's command id comes from it), the event store's version check, and the problem filter's last resorts. Rate
 * limits are added with their policies.
 */
export const platformProblems = (traits: PlatformTraits): Record<number, string[]> => {
  const problems: Record<number, string[]> = {
    400: ['request.invalid_characters', 'idempotency.key_too_long'],
    500: ['internal'],
    503: ['service.unavailable', 'platform.database_unavailable'],
  };
  const add = (status: number, ...codes: string[]) => (problems[status] = [...(problems[status] ?? []), ...codes]);
  if (!traits.isPublic) {
    add(400, 'auth.ambiguous_credentials');
    add(401, 'auth.unauthenticated', 'auth.invalid_api_key');
    add(403, 'auth.forbidden', 'auth.insufficient_scope');
  }
  if (traits.hasPathParams) {
    add(400, 'request.invalid_url');
    add(414, 'request.uri_too_long');
  }
  if (traits.hasBody || traits.hasQuery) add(400, 'request.invalid');
  if (traits.hasBody) {
    add(400, 'request.malformed_json', 'request.invalid_content_length', 'request.too_deeply_nested');
    add(413, 'request.body_too_large');
    add(415, 'request.unsupported_media_type');
  }
  if (traits.idempotent) {
    if (traits.idempotent.required) add(400, 'idempotency.key_required');
    add(409, 'idempotency.request_in_flight', 'request.command_already_applied');
    add(422, 'idempotency.key_reused');
  }
  if (traits.writes) add(409, 'concurrency.conflict');
  return problems;
};
