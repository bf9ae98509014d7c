import { applyDecorators, Body, INestApplication, Query } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiBody, ApiQuery, ApiResponse, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject, OperationObject, ParameterObject, PathItemObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';
import { serveSwaggerUi } from './swagger-ui';
import { RATE_LIMIT_POLICIES, type RateLimitPolicy, type RateLimitSubject, WRITE_METHODS } from './rate-limit-policies';
import { IDEMPOTENT, IS_PUBLIC, RATE_LIMIT_EXEMPT, RATE_LIMITED, type RateLimitedOptions, Role, ROLES } from './request-context';
import { ZodPipe } from './zod.pipe';

export const OPENAPI_JSON_PATH = 'api/docs-json';
export const OPENAPI_UI_PATH = 'api/docs';
const PROBLEM_REF = '#/components/schemas/Problem';

/** JSON Schema (OpenAPI 3.0 dialect) of a zod schema: request shapes as accepted (`input`), responses as sent. */
export const openApiSchema = (schema: z.ZodType, io: 'input' | 'output'): SchemaObject => {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json as SchemaObject;
};

/** Documents the request body with the same zod schema the ZodPipe validates it with. */
export const ApiZodBody = (schema: z.ZodType) => ApiBody({ schema: openApiSchema(schema, 'input') });

/** Documents each property of a zod object schema as a query parameter. */
export const ApiZodQuery = (schema: z.ZodObject) => {
  const json = openApiSchema(schema, 'input');
  const required = new Set(json.required ?? []);
  return applyDecorators(
    ...Object.entries(json.properties ?? {}).map(([name, property]) =>
      ApiQuery({ name, required: required.has(name), schema: property as SchemaObject }),
    ),
  );
};

/** Applies a method decorator from a parameter decorator, so one schema both validates and documents the input. */
const onMethod = (decorator: MethodDecorator, target: object, key: string | symbol | undefined) => {
  if (key === undefined) throw new Error('ValidBody / ValidQuery decorate a parameter of a route method');
  decorator(target, key, Object.getOwnPropertyDescriptor(target, key)!);
};

/** The request body, validated with `schema` (400 problem+json listing each issue) and documented with it. */
export const ValidBody =
  (schema: z.ZodType): ParameterDecorator =>
  (target, key, index) => {
    Body(new ZodPipe(schema))(target, key, index);
    onMethod(ApiZodBody(schema), target, key);
  };

/** The query string, validated with `schema` and documented with it, one parameter per property. */
export const ValidQuery =
  (schema: z.ZodObject): ParameterDecorator =>
  (target, key, index) => {
    Query(new ZodPipe(schema))(target, key, index);
    onMethod(ApiZodQuery(schema), target, key);
  };

/** Money as every response shows it: integer minor units and an ISO 4217 currency. */
export const MoneyResponse = z.object({ amount: z.number().int().describe('minor units'), currency: z.string().length(3) });

/** Documents a success response with a zod schema of its body. */
export const ApiZodResponse = (status: number, schema: z.ZodType, description = 'success') =>
  ApiResponse({ status, description, schema: openApiSchema(schema, 'output') });

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid request (problem+json; `errors` lists each invalid field)',
  401: 'missing or invalid access token',
  403: 'the caller may not do this',
  404: 'not found',
  409: 'conflict with the current state',
  413: 'request body too large',
  415: 'unsupported media type',
  422: 'unprocessable (e.g. an Idempotency-Key reused with a different body)',
  429: 'too many requests (see Retry-After)',
  500: 'unexpected error (no internals are disclosed)',
  503: 'temporarily unavailable (see Retry-After)',
};

const problemResponse = (status: number, codes: readonly string[] = []) => ({
  description: `${PROBLEM_DESCRIPTIONS[status] ?? 'error'}${codes.length ? `. Codes: ${codes.map((c) => `\`${c}\``).join(', ')}` : ''}`,
  content: { 'application/problem+json': { schema: { $ref: PROBLEM_REF } } },
});

/**
 * Documents error responses of a route as RFC 9457 problem+json: a status alone, or statuses with the stable
 * `code`s the route may answer with them, e.g. `ApiProblems(400, { 404: ['ordering.order_not_found'] })`.
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

const PROBLEM_SCHEMA: SchemaObject = {
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

type RouteSecurity = {
  isPublic: boolean;
  roles?: Role[];
  idempotent?: { required: boolean };
  rateLimited?: RateLimitedOptions;
  rateLimitExempt?: boolean;
};

/** What the guards and interceptors will enforce on each controller method, keyed like the operation ids. */
const routeSecurity = (app: INestApplication): Map<string, RouteSecurity> => {
  const routes = new Map<string, RouteSecurity>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller?.prototype) continue;
      for (const method of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[method];
        if (method === 'constructor' || typeof handler !== 'function') continue;
        const read = <T>(key: string): T | undefined => Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller);
        routes.set(`${controller.name}_${method}`, {
          isPublic: read<boolean>(IS_PUBLIC) === true,
          roles: read<Role[]>(ROLES),
          idempotent: read<{ required: boolean }>(IDEMPOTENT),
          rateLimited: read<RateLimitedOptions>(RATE_LIMITED),
          rateLimitExempt: read<boolean>(RATE_LIMIT_EXEMPT) === true,
        });
      }
    }
  }
  return routes;
};

/** The policies the RateLimitGuard counts an operation's requests against (see `policyOf`). */
const rateLimitPolicies = (security: RouteSecurity | undefined, method: string): RateLimitPolicy[] => {
  if (security?.rateLimited)
    return [security.rateLimited.policy, ...(security.rateLimited.instead ? [security.rateLimited.instead.policy] : [])];
  if (security?.isPublic && !security.rateLimitExempt && WRITE_METHODS.has(method.toUpperCase())) return ['anonymous-write'];
  return [];
};

const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': { description: 'requests allowed in the current window', schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'requests left in the current window', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'seconds until the current window ends', schema: { type: 'integer' } },
  'RateLimit-Policy': { description: '`<limit>;w=<window seconds>`', schema: { type: 'string' } },
};

const COUNTED_PER: Record<RateLimitSubject, string> = {
  address: 'per client address, with or without credentials',
  caller: 'per account or API key when authenticated, else per client address',
  'address-and-email': 'per client address and email',
};

/** The 429 of a rate-limited operation, added to a 429 the route documents itself (failed-login throttling). */
const documentRateLimit = (operation: OperationObject, policies: RateLimitPolicy[]): void => {
  const names = policies
    .map((p) => `\`${p}\` (${RATE_LIMIT_POLICIES[p].setting}, counted ${COUNTED_PER[RATE_LIMIT_POLICIES[p].countedPer]})`)
    .join(' or ');
  const limit = `Rate limit ${names}; every answer of a request it counted carries the RateLimit header fields.`;
  const own = operation.responses['429'] as { description?: string } | undefined;
  const description = own?.description
    ? `${own.description}${own.description.includes('Codes: ') ? ', ' : '. Codes: '}\`request.rate_limited\``
    : problemResponse(429, ['request.rate_limited']).description;
  operation.responses['429'] = {
    ...problemResponse(429),
    description: `${description}. ${limit}`,
    headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } }, ...RATE_LIMIT_HEADERS },
  };
  for (const [status, response] of Object.entries(operation.responses)) {
    const success = response as ResponseObject;
    if (status.startsWith('2')) operation.responses[status] = { ...success, headers: { ...success.headers, ...RATE_LIMIT_HEADERS } };
  }
};

/** Adds what every route shares: security, Idempotency-Key, rate limits, and the problem responses the platform may answer. */
const completeOperation = (operation: OperationObject, method: string, security: RouteSecurity | undefined): void => {
  const responses = operation.responses;
  const add = (status: number) => (responses[String(status)] ??= problemResponse(status));
  if (security?.isPublic) {
    // anonymous callers are welcome; a valid token still identifies the caller (a customer's own cart)
    operation.security = [{}, { bearer: [] }];
  } else {
    operation.security = [{ bearer: [] }, { apiKey: [] }];
    add(401);
    if (security?.roles?.length) {
      add(403);
      operation.description = `${operation.description ?? ''}\n\nRoles: ${security.roles.join(', ')} (and admin).`.trim();
    }
  }
  if (security?.idempotent) {
    const idempotencyKey: ParameterObject = {
      name: 'Idempotency-Key',
      in: 'header',
      required: security.idempotent.required,
      description:
        'Unique per logical request (≤255 characters). A retry with the same key replays the first response (header Idempotent-Replayed: true).',
      schema: { type: 'string', maxLength: 255 },
    };
    operation.parameters = [...(operation.parameters ?? []), idempotencyKey];
    add(409);
    add(422);
  }
  if (operation.requestBody || operation.parameters?.length || security?.idempotent) add(400);
  if (operation.requestBody) {
    add(413);
    add(415);
  }
  const policies = rateLimitPolicies(security, method);
  if (policies.length > 0) documentRateLimit(operation, policies);
  add(500);
  add(503);
};

/** Builds the OpenAPI document of every route (with its error responses) from the running app. */
export const buildOpenApiDocument = (app: INestApplication, version = '1.0.0'): OpenAPIObject => {
  const config = new DocumentBuilder()
    .setTitle('Orderly API')
    .setDescription('Event-sourced commerce backend. Errors are RFC 9457 problem+json with a stable `code`.')
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'server clients: a scoped API key (staff rights at most)' },
      'apiKey',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: (controller, method) => `${controller}_${method}` });
  document.components = { ...document.components, schemas: { ...document.components?.schemas, Problem: PROBLEM_SCHEMA } };
  const security = routeSecurity(app);
  for (const item of Object.values(document.paths) as PathItemObject[]) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const) {
      const operation = item[method];
      if (operation) completeOperation(operation, method, security.get(operation.operationId ?? ''));
    }
  }
  return document;
};

/** Serves the document at /api/docs-json and Swagger UI (with bearer auth) at /api/docs. Call before `app.init()`. */
export const setupOpenApi = (app: NestFastifyApplication, version?: string): OpenAPIObject => {
  const document = buildOpenApiDocument(app, version);
  SwaggerModule.setup(OPENAPI_UI_PATH, app, document, { jsonDocumentUrl: OPENAPI_JSON_PATH, raw: ['json'], ui: false });
  serveSwaggerUi(app, OPENAPI_UI_PATH, OPENAPI_JSON_PATH);
  return document;
};
