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
import { addProblemCodes, PROBLEM_SCHEMA, platformProblems, type ProblemResponseObject } from './openapi-problems';

export { ApiProblems, PROBLEM_CODES } from './openapi-problems';

export const OPENAPI_JSON_PATH = 'api/docs-json';
export const OPENAPI_UI_PATH = 'api/docs';

/**
 * The schemas declared once and referenced from every operation (`components.schemas`): zod schemas with a
 * `.meta({ id })` (e.g. Money), collected as the routes are documented. Request shapes are named `<id>Input`, since
 * zod writes an object as accepted (extra properties allowed) differently from the same object as sent.
 */
const sharedSchemas = new Map<string, SchemaObject>();

const shareDefinitions = (definitions: Record<string, SchemaObject>, io: 'input' | 'output'): Record<string, string> => {
  const names: Record<string, string> = {};
  for (const [id, definition] of Object.entries(definitions)) {
    const name = io === 'output' ? id : `${id}Input`;
    const known = sharedSchemas.get(name);
    if (known && JSON.stringify(known) !== JSON.stringify(definition)) throw new Error(`two different zod schemas share the id ${id}`);
    sharedSchemas.set(name, definition);
    names[id] = name;
  }
  return names;
};

/** JSON Schema (OpenAPI 3.0 dialect) of a zod schema: request shapes as accepted (`input`), responses as sent. */
export const openApiSchema = (schema: z.ZodType, io: 'input' | 'output'): SchemaObject => {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;
  const definitions = json.definitions as Record<string, SchemaObject> | undefined;
  delete json.$schema;
  delete json.definitions;
  if (!definitions) return json as SchemaObject;
  const names = shareDefinitions(definitions, io);
  const referenced = JSON.stringify(json).replace(/"#\/definitions\/([^"]+)"/g, (_, id: string) => `"#/components/schemas/${names[id]}"`);
  return JSON.parse(referenced, typeNullableReferences) as SchemaObject;
};

/**
 * zod writes a nullable shared schema as `{ nullable: true, allOf: [{ $ref }] }`; OpenAPI 3.0 gives `nullable` a
 * meaning only next to `type`, so the referenced schema's type is written there too.
 */
function typeNullableReferences(this: unknown, _key: string, value: unknown): unknown {
  const node = value as { nullable?: boolean; type?: string; allOf?: { $ref?: string }[] } | null;
  const ref = node?.allOf?.length === 1 ? node.allOf[0].$ref : undefined;
  if (!node || node.nullable !== true || node.type !== undefined || !ref) return value;
  return { type: sharedSchemas.get(ref.slice(ref.lastIndexOf('/') + 1))?.type, ...node };
}

/** The shared schemas the document's operations reference (an app of a few contexts references fewer). */
const sharedSchemasOf = (document: OpenAPIObject): Record<string, SchemaObject> => {
  const paths = JSON.stringify(document.paths);
  return Object.fromEntries([...sharedSchemas].filter(([name]) => paths.includes(`"#/components/schemas/${name}"`)));
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

/** Money as every response shows it: integer minor units and an ISO 4217 currency (one shared `Money` schema). */
export const MoneyResponse = z
  .object({ amount: z.number().int().describe('minor units'), currency: z.string().length(3).describe('ISO 4217 code') })
  .meta({ id: 'Money', description: 'an amount of money: integer minor units (cents) and an ISO 4217 currency' });

/** Documents a success response with a zod schema of its body. */
export const ApiZodResponse = (status: number, schema: z.ZodType, description = 'success') =>
  ApiResponse({ status, description, schema: openApiSchema(schema, 'output') });

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
  addProblemCodes(operation, 429, ['request.rate_limited']);
  const own = operation.responses['429'] as ProblemResponseObject;
  operation.responses['429'] = {
    ...own,
    description: `${own.description}. ${limit}`,
    headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } }, ...RATE_LIMIT_HEADERS },
  };
  for (const [status, response] of Object.entries(operation.responses)) {
    const success = response as ResponseObject;
    if (status.startsWith('2')) operation.responses[status] = { ...success, headers: { ...success.headers, ...RATE_LIMIT_HEADERS } };
  }
};

/** Adds what every route shares: security, Idempotency-Key, rate limits, and the problem responses the platform may answer. */
const completeOperation = (operation: OperationObject, method: string, security: RouteSecurity | undefined): void => {
  const isPublic = security?.isPublic === true;
  if (isPublic) {
    // anonymous callers are welcome; a valid token still identifies the caller (a customer's own cart)
    operation.security = [{}, { bearer: [] }];
  } else {
    operation.security = [{ bearer: [] }, { apiKey: [] }];
    if (security?.roles?.length) {
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
  }
  const problems = platformProblems({
    isPublic,
    writes: WRITE_METHODS.has(method.toUpperCase()),
    hasBody: operation.requestBody !== undefined,
    hasQuery: (operation.parameters ?? []).some((p) => 'in' in p && p.in === 'query'),
    hasPathParams: (operation.parameters ?? []).some((p) => 'in' in p && p.in === 'path'),
    idempotent: security?.idempotent,
  });
  for (const [status, codes] of Object.entries(problems)) {
    // a status the route answers itself in another form stays as it documents it (the readiness probe's plain 503)
    const own = operation.responses[status] as ResponseObject | undefined;
    if (own?.content && !own.content['application/problem+json']) continue;
    addProblemCodes(operation, Number(status), codes);
  }
  const policies = rateLimitPolicies(security, method);
  if (policies.length > 0) documentRateLimit(operation, policies);
  operation.responses = sortedByStatus(operation.responses);
};

/** Responses in status order (2xx before 4xx before 5xx), as readers and Swagger UI expect them. */
const sortedByStatus = (responses: OperationObject['responses']): OperationObject['responses'] =>
  Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));

/** Builds the OpenAPI document of every route (with its error responses) from the running app. */
export const buildOpenApiDocument = (app: INestApplication, version = '1.0.0'): OpenAPIObject => {
  const config = new DocumentBuilder()
    .setTitle('Orderly API')
    .setDescription('Event-sourced commerce backend. Errors are RFC 9457 problem+json with a stable `code`.')
    .setVersion(version)
    .setLicense('MIT', 'https://opensource.org/license/mit')
    // relative: the document describes the server that serves it, wherever it runs (paths carry /api/v1)
    .addServer('/', 'the server that serves this document')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'server clients: a scoped API key (staff rights at most)' },
      'apiKey',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: (controller, method) => `${controller}_${method}` });
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...sharedSchemasOf(document), Problem: PROBLEM_SCHEMA },
  };
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
