import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse as InjectResponse } from 'fastify';
import { PROBLEM_CODES } from '../../src/platform/http/openapi';

/**
 * Checks every answer the app gives in the e2e suites against its own OpenAPI document: the status is one the
 * operation documents, the content type one that response documents, the body valid against its schema (Ajv), and a
 * problem's `code` one the response lists (`x-problem-codes`). A mismatch fails the test that made the request.
 *
 * Requests to paths or methods the document does not have (deliberate 404 probes, `/api/docs-json`) are answered by
 * the platform, not by an operation: their errors must still be RFC 9457 problems (the `Problem` schema), their other
 * answers are not checked.
 */
type Schema = Record<string, unknown>;
type MediaType = { schema?: Schema };
type DocumentedResponse = { content?: Record<string, MediaType>; [PROBLEM_CODES]?: string[] };
type DocumentedOperation = { operationId?: string; responses?: Record<string, DocumentedResponse> };
export type ResponseDocument = {
  paths: Record<string, Record<string, DocumentedOperation>>;
  components?: { schemas?: Record<string, Schema> };
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/**
 * OpenAPI 3.0 schema objects as JSON Schema for Ajv: `nullable: true` allows null next to whatever the schema allows
 * (also next to `allOf`/`$ref`, where Ajv's own `nullable` support stops), and the draft-4 boolean
 * `exclusiveMinimum`/`exclusiveMaximum` become the numbers they qualify.
 */
export const toJsonSchema = (schema: unknown): unknown => {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const { nullable, ...rest } = schema as Schema;
  const converted: Schema = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, toJsonSchema(value)]));
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof converted[flag] !== 'boolean') continue;
    if (converted[flag] === true) converted[flag] = converted[bound];
    else delete converted[flag];
    if (converted[flag] !== undefined) delete converted[bound];
  }
  return nullable === true ? { anyOf: [converted, { type: 'null' }] } : converted;
};

type Route = { template: string; pattern: RegExp; literals: number; item: Record<string, DocumentedOperation> };

const routesOf = (document: ResponseDocument): Route[] =>
  Object.entries(document.paths)
    .map(([template, item]) => {
      const segments = template.split('/');
      const pattern = new RegExp(
        `^${segments.map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('/')}$`,
      );
      return { template, pattern, literals: segments.filter((s) => !s.startsWith('{')).length, item };
    })
    // `/orders/mine` before `/orders/{id}`: Fastify prefers static segments too
    .sort((a, b) => b.literals - a.literals);

const describeErrors = (errors: ErrorObject[] | null | undefined): string =>
  (errors ?? []).map((e) => `  ${e.instancePath || '(body)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`).join('\n');

const mediaTypeOf = (header: unknown): string =>
  String(header ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();

const bodyOf = (res: InjectResponse): unknown => {
  try {
    return JSON.parse(res.body);
  } catch {
    return res.body;
  }
};

/**
 * The checker of one app's document: `check` throws an Error naming the operation, the status and the mismatch.
 * Operations of `testOnly` controllers (routes a test mounts next to the app) are checked like undocumented routes.
 */
export const responseValidator = (document: ResponseDocument, testOnly: readonly string[] = []) => {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  const components = toJsonSchema(document.components ?? {});
  const compiled = new Map<string, ValidateFunction>();
  const validatorOf = (key: string, schema: Schema): ValidateFunction => {
    let validate = compiled.get(key);
    if (!validate) {
      // the root carries the components, so `#/components/schemas/…` references resolve as in the document
      validate = ajv.compile({ allOf: [toJsonSchema(schema)], components });
      compiled.set(key, validate);
    }
    return validate;
  };
  const routes = routesOf(document);
  const problemSchema = document.components?.schemas?.Problem;

  const checkProblem = (what: string, res: InjectResponse): void => {
    if (res.statusCode < 400 || !problemSchema) return;
    const type = mediaTypeOf(res.headers['content-type']);
    if (type !== 'application/problem+json')
      throw new Error(`${what} answered ${res.statusCode} as ${type || 'no content type'}, not problem+json`);
    const validate = validatorOf('Problem', { $ref: '#/components/schemas/Problem' });
    if (!validate(bodyOf(res)))
      throw new Error(`${what} answered ${res.statusCode} with a body that is not a Problem:\n${describeErrors(validate.errors)}`);
  };

  return {
    check(method: string, url: string, res: InjectResponse): void {
      const path = url.split('?')[0];
      // a `.` or `..` segment addresses no operation: the router answers it as a path it does not have
      const dotted = path.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment));
      const verb = method.toLowerCase();
      const route = routes.find((r) => r.pattern.test(path) && METHODS.includes(verb) && r.item[verb]);
      const operation = route?.item[verb];
      const isTestOnly = testOnly.some((controller) => operation?.operationId?.startsWith(`${controller}_`));
      if (!route || !operation || isTestOnly || dotted) return checkProblem(`${method.toUpperCase()} ${path} (not in the document)`, res);
      const what = `${method.toUpperCase()} ${route.template} (${operation.operationId ?? 'no operationId'})`;
      const responses = operation.responses ?? {};
      const status = String(res.statusCode);
      const documented = responses[status] ?? responses[`${status[0]}XX`] ?? responses.default;
      if (!documented)
        throw new Error(`${what} answered ${status}, which it does not document (documented: ${Object.keys(responses).join(', ')})`);

      const hasBody = res.rawPayload.length > 0;
      const content = documented.content ?? {};
      if (Object.keys(content).length === 0) {
        if (hasBody) throw new Error(`${what} answered ${status} with a body, but documents none: ${res.body.slice(0, 200)}`);
        return;
      }
      const type = mediaTypeOf(res.headers['content-type']);
      const media = content[type];
      if (!media)
        throw new Error(`${what} answered ${status} as ${type || 'no content type'}; documented: ${Object.keys(content).join(', ')}`);
      if (!media.schema) return;
      const body = bodyOf(res);
      const validate = validatorOf(`${what} ${status} ${type}`, media.schema);
      if (!validate(body)) {
        throw new Error(
          `${what} answered ${status} with a body its document does not allow:\n${describeErrors(validate.errors)}\nbody: ${res.body.slice(0, 500)}`,
        );
      }
      const listed = documented[PROBLEM_CODES];
      const code = (body as { code?: unknown }).code;
      if (type === 'application/problem+json' && !listed?.includes(String(code))) {
        throw new Error(
          `${what} answered ${status} with code ${String(code)}, which its ${status} response does not list (${(listed ?? []).join(', ')})`,
        );
      }
    },
  };
};

const validators = new Map<string, ReturnType<typeof responseValidator>>();

/**
 * Makes every `app.inject(…)` of a test app (the harness's `inject` and tests calling `t.app.inject` alike) check
 * its answer against the document the app serves at /api/docs-json. Apps of one process share the checker of an
 * identical document, so each schema is compiled once per worker.
 */
export const validateResponses = (app: NestFastifyApplication, testOnly: readonly string[] = []): void => {
  const raw = app.inject.bind(app) as (options: InjectOptions | string) => Promise<InjectResponse>;
  let validator: Promise<ReturnType<typeof responseValidator>> | undefined;
  const validatorOfApp = () =>
    (validator ??= raw({ method: 'GET', url: '/api/docs-json' }).then((res) => {
      const key = `${testOnly.join(',')} ${res.body}`;
      let known = validators.get(key);
      if (!known) validators.set(key, (known = responseValidator(res.json<ResponseDocument>(), testOnly)));
      return known;
    }));
  const validated = async (options: InjectOptions | string): Promise<InjectResponse> => {
    const res = await raw(options);
    const method = typeof options === 'string' ? 'GET' : (options.method ?? 'GET');
    const url = typeof options === 'string' ? options : typeof options.url === 'string' ? options.url : (options.path ?? '/');
    (await validatorOfApp()).check(String(method), String(url), res);
    return res;
  };
  const original = app.inject.bind(app);
  app.inject = ((options?: InjectOptions | string) => (options === undefined ? original() : validated(options))) as typeof app.inject;
};
