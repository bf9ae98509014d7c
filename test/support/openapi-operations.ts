import fc from 'fast-check';
import { newId } from '../../src/shared-kernel/ids';
import type { Role, TestApp } from './app';

/** The JSON Schema subset the OpenAPI document of the app uses (zod's OpenAPI 3.0 output). */
export type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  minItems?: number;
  nullable?: boolean;
  default?: unknown;
};

type RawParameter = { name: string; in: string; required?: boolean; schema?: JsonSchema };
type RawOperation = {
  operationId: string;
  description?: string;
  security?: Record<string, unknown>[];
  parameters?: RawParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
};
export type OpenApiDocument = { paths: Record<string, Record<string, RawOperation>> };

/** One route as the OpenAPI document describes it, with what the guards will enforce on it. */
export type Operation = {
  id: string;
  method: string;
  /** the OpenAPI template, e.g. `/api/v1/orders/{id}` */
  path: string;
  /** `POST /api/v1/orders/{id}/cancel`, for test names and tables */
  route: string;
  /** anonymous callers are let in (`security` lists `{}`) */
  isPublic: boolean;
  /** the roles named in the description (`Roles: staff (and admin).`); empty: any signed-in caller */
  roles: Role[];
  body?: JsonSchema;
  query: { name: string; required: boolean; schema: JsonSchema }[];
  pathParams: string[];
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const ROLES_LINE = /Roles: ([a-z, ]+) \(and admin\)/;

/** Every operation of the document, in document order. */
export const operationsOf = (document: OpenApiDocument): Operation[] =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]) => {
        const parameters = op.parameters ?? [];
        const roles = (ROLES_LINE.exec(op.description ?? '')?.[1] ?? '')
          .split(',')
          .map((role) => role.trim())
          .filter((role): role is Role => role === 'customer' || role === 'staff' || role === 'admin');
        return {
          id: op.operationId,
          method: method.toUpperCase(),
          path,
          route: `${method.toUpperCase()} ${path}`,
          isPublic: (op.security ?? []).some((requirement) => Object.keys(requirement).length === 0),
          roles,
          body: op.requestBody?.content?.['application/json']?.schema,
          query: parameters
            .filter((p) => p.in === 'query')
            .map((p) => ({ name: p.name, required: p.required === true, schema: p.schema ?? {} })),
          pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        };
      }),
  );

/** The operations of the running app's own document (`GET /api/docs-json`). */
export const appOperations = async (t: TestApp): Promise<Operation[]> => {
  const res = await t.inject('GET', '/api/docs-json');
  if (res.statusCode !== 200) throw new Error(`GET /api/docs-json answered ${res.statusCode}`);
  return operationsOf(res.json<OpenApiDocument>());
};

/** The first path segment after `/api/v1/` (`orders`, `me`, `inventory`…): what API key scopes name. */
export const resourceOf = (op: Pick<Operation, 'path'>): string => /^\/api\/v1\/([^/]+)/.exec(op.path)?.[1] ?? '';

/**
 * The URL of `op` with each path parameter filled: `values` may name a parameter per resource (`orders.id`) or
 * alone (`sku`); anything else gets a syntactically valid value (a UUID, a SKU, a code), so a guard or a lookup
 * answers, not parameter validation.
 */
export const urlOf = (op: Pick<Operation, 'path'>, values: Record<string, string> = {}): string =>
  op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[`${resourceOf(op)}.${name}`] ?? values[name] ?? syntacticallyValid(name);
    return encodeURIComponent(value);
  });

const syntacticallyValid = (param: string): string => {
  if (param === 'sku') return 'PROBE-SKU-1';
  if (param === 'code') return 'probe-method';
  return newId();
};

const pick = <T>(arbitrary: fc.Arbitrary<T>, seed: number): T => fc.sample(arbitrary, { seed, numRuns: 1 })[0];

const sampleString = (schema: JsonSchema, seed: number): string => {
  if (schema.format === 'uuid') return newId();
  if (schema.format === 'email') return `probe-${newId()}@example.com`;
  if (schema.format === 'date-time') return new Date(Date.UTC(2030, 0, 1)).toISOString();
  if (schema.format === 'date') return '2030-01-01';
  if (schema.format === 'uri') return 'https://example.com/probe.png';
  const min = schema.minLength ?? 1;
  const max = Math.max(min, Math.min(schema.maxLength ?? 20, 20));
  if (schema.pattern) {
    try {
      const pattern = new RegExp(schema.pattern, 'u');
      for (let attempt = 0; attempt < 20; attempt++) {
        const value = pick(fc.stringMatching(pattern, { size: 'xsmall' }), seed + attempt);
        if (value.length >= min && value.length <= (schema.maxLength ?? Infinity)) return value;
      }
    } catch {
      // a pattern JavaScript cannot compile: fall back to plain letters
    }
  }
  return 'probe'.padEnd(min, 'x').slice(0, max);
};

/**
 * A value that satisfies `schema` as far as its shape goes (required properties only, the first alternative of a
 * union, the smallest number in range): a base to mutate when no realistic body is known for a route.
 */
export const sampleOf = (schema: JsonSchema, seed = 1): unknown => {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives?.length) return sampleOf(alternatives[0], seed);
  if (schema.allOf?.length) return Object.assign({}, ...schema.allOf.map((s) => sampleOf(s, seed) as object));
  switch (schema.type) {
    case 'string':
      return sampleString(schema, seed);
    case 'integer':
    case 'number': {
      const low = (schema.minimum ?? 1) + (schema.exclusiveMinimum === true ? 1 : 0);
      return Math.min(Math.max(low, 1), schema.maximum ?? Number.MAX_SAFE_INTEGER);
    }
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: Math.max(schema.minItems ?? 1, 1) }, (_, i) => sampleOf(schema.items ?? {}, seed + i));
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((name, i) => [name, sampleOf(schema.properties?.[name] ?? {}, seed + i + 1)]));
    default:
      return 'probe';
  }
};

/**
 * The object schemas inside `schema` that accept properties they do not list (`additionalProperties` not false),
 * each by its JSON path; records (`additionalProperties` a schema and no `properties`) are maps by design.
 */
export const openObjects = (schema: JsonSchema, path = '$'): string[] => {
  const found: string[] = [];
  if (schema.properties && schema.additionalProperties !== false) found.push(path);
  for (const [name, property] of Object.entries(schema.properties ?? {})) found.push(...openObjects(property, `${path}.${name}`));
  if (schema.items) found.push(...openObjects(schema.items, `${path}[]`));
  if (typeof schema.additionalProperties === 'object') found.push(...openObjects(schema.additionalProperties, `${path}{}`));
  for (const [i, alternative] of [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...(schema.allOf ?? [])].entries())
    found.push(...openObjects(alternative, `${path}|${i}`));
  return found;
};

export type Caller = 'anonymous' | 'customer' | 'admin';

/**
 * Who calls `op` in the probes: the strongest caller the route serves. Customer resources (carts, checkout, the
 * caller's own orders, addresses and profile, and every customer-only route) are called by their owner, a customer;
 * sign-in and provider webhooks anonymously; everything else by an admin (who passes every role check and sees
 * unpublished products on public catalog reads).
 */
export const strongestCaller = (op: Operation, customerResources: readonly string[]): Caller => {
  if (op.roles.includes('customer') || customerResources.includes(resourceOf(op))) return 'customer';
  if (!op.isPublic && op.roles.length === 0) return 'customer';
  if (op.isPublic && (resourceOf(op) === 'auth' || op.path.includes('/webhooks/'))) return 'anonymous';
  return 'admin';
};
