import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMonolithOpenApiDocument } from '../src/app/openapi-document';
import { PROBLEM_CODES } from '../src/platform/http/openapi';
import { type CodeScan, scanProblemCodes } from './support/problem-codes';

/**
 * The problem codes of the OpenAPI document are true both ways.
 *
 * - A code a route answers is listed for that route: every response of every e2e suite is checked against the
 *   document (test/support/openapi-responses.ts, wrapped around `inject` by `bootTestApp`), and a problem whose
 *   `code` its route's response does not list in `x-problem-codes` fails the test that received it. So the lists
 *   come from what the routes really answer, over the whole run; the codes of the platform (credentials,
 *   validation, idempotency, rate limits, outages) are added to every route they apply to when the document is
 *   built (`platformProblems` in src/platform/http/openapi-problems.ts).
 * - A listed code exists: this spec reads every code out of the source with the TypeScript compiler
 *   (test/support/problem-codes.ts) and checks each listed code against them. That works because codes are written
 *   one way: a string literal where the error is made, given to a kind of `shared-kernel/errors.ts` (directly or
 *   through `super` of a named error class) or to a helper's `code` parameter. The first tests keep it so.
 */
describe('problem codes', () => {
  let scan: CodeScan;
  let document: Awaited<ReturnType<typeof buildMonolithOpenApiDocument>>;
  beforeAll(async () => {
    scan = scanProblemCodes(resolve('.'));
    document = await buildMonolithOpenApiDocument();
  });

  type Listed = { route: string; status: string; codes: string[] | undefined; isProblem: boolean };
  const listed = (): Listed[] =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, { responses?: Record<string, Record<string, unknown>> }>).flatMap(([method, operation]) =>
        Object.entries(operation.responses ?? {}).map(([status, response]) => ({
          route: `${method.toUpperCase()} ${path}`,
          status,
          codes: response[PROBLEM_CODES] as string[] | undefined,
          isProblem: 'application/problem+json' in ((response.content as object | undefined) ?? {}),
        })),
      ),
    );

  it('are string literals written where the error is made, never built from parts', () => {
    expect(scan.computed).toEqual([]);
  });

  it('belong to errors of one of the kinds of shared-kernel/errors.ts', () => {
    expect(scan.outsideKinds).toEqual([]);
  });

  it('are found in the source: the scan sees codes of every idiom', () => {
    // a literal kind constructor, a named class's super call, a ZodPipe's code, the problem filter's own, a bulkhead's
    for (const code of [
      'inventory.sku_not_found',
      'cart.cart_not_found',
      'cart.invalid_sku',
      'concurrency.conflict',
      'identity.password_hashing_busy',
    ])
      expect(scan.codes).toContain(code);
  });

  it('listed in the document all exist in the code base', () => {
    const unknown = listed().flatMap(({ route, status, codes }) =>
      (codes ?? []).filter((code) => !scan.codes.has(code)).map((code) => `${route} ${status}: ${code}`),
    );
    expect(unknown).toEqual([]);
  });

  it('are listed for every problem response of every route', () => {
    const unlisted = listed()
      .filter(({ isProblem, codes }) => isProblem && !codes?.length)
      .map(({ route, status }) => `${route} ${status}`);
    expect(unlisted).toEqual([]);
  });
});
