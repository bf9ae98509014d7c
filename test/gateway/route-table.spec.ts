import { beforeAll, describe, expect, it } from 'vitest';
import { policiesOf } from '../../src/gateway/edge-rate-limits';
import { gatewayRoutesOf } from '../../src/gateway/gateway-routes';
import { claimantsOf, ROUTE_TABLE } from '../../src/gateway/route-table';
import { WAITING_ROUTES } from '../../src/gateway/upstream-timeouts';
import { RATE_LIMIT_POLICIES, RATE_LIMIT_POLICY_NAMES } from '../../src/platform/http/rate-limit-policies';
import { type OpenApiDocument, type Operation, operationsOf } from '../support/openapi-operations';
import { monolithDocument } from './support';

/**
 * The gateway's tables against the monolith's OpenAPI document, the API the services serve between them: every
 * operation has exactly one owner, and what the edge does per route (rate-limit policies, longer timeouts for
 * `Prefer: wait`) is what the document says the services do.
 */
type RawOperation = { responses?: Record<string, { description?: string }>; parameters?: { name: string; in: string }[] };

let document: OpenApiDocument;
let operations: Operation[];
const raw = (op: Operation): RawOperation => (document.paths[op.path] as Record<string, RawOperation>)[op.method.toLowerCase()];

beforeAll(async () => {
  document = (await monolithDocument()) as OpenApiDocument;
  operations = operationsOf(document);
});

describe('the route table', () => {
  it('gives every operation of the API exactly one owner', () => {
    const unowned = operations
      .map((op) => ({ route: op.route, claimants: claimantsOf(op.path) }))
      .filter((each) => each.claimants.length !== 1);
    expect(unowned).toEqual([]);
    expect(operations.length).toBeGreaterThan(50);
  });

  it('has no entry that owns no operation', () => {
    const used = new Set(operations.map((op) => claimantsOf(op.path)[0].prefix));
    expect(ROUTE_TABLE.map((entry) => entry.prefix).filter((prefix) => !used.has(prefix))).toEqual([]);
  });

  it('leaves only the health probes to the gateway itself, and every /api route to a service', () => {
    const byOwner = (owner: string) => operations.filter((op) => claimantsOf(op.path)[0].owner === owner).map((op) => op.route);
    expect(byOwner('gateway')).toEqual(['GET /health/live', 'GET /health/ready']);
    expect(operations.filter((op) => op.path.startsWith('/api/')).every((op) => claimantsOf(op.path)[0].owner !== 'gateway')).toBe(true);
  });

  it('routes each operation as the document describes it, public or not', () => {
    const routes = gatewayRoutesOf(document);
    expect(routes.map((route) => [route.route, route.isPublic])).toEqual(operations.map((op) => [op.route, op.isPublic]));
  });
});

/** The policies an operation's 429 names, as platform/http/openapi.ts documents them: "`login` (RATE_LIMIT_LOGIN, …". */
const documentedPolicies = (op: Operation): string[] => {
  const description = raw(op).responses?.['429']?.description ?? '';
  return RATE_LIMIT_POLICY_NAMES.filter((policy) => description.includes(`\`${policy}\` (${RATE_LIMIT_POLICIES[policy].setting}`));
};

describe('per-route behaviour at the edge', () => {
  it('counts each operation against the rate-limit policies the document names for it', () => {
    const operationOf = new Map(operations.map((op) => [op.route, op]));
    const differences = gatewayRoutesOf(document)
      .map((route) => ({
        route: route.route,
        edge: policiesOf(route).toSorted(),
        documented: documentedPolicies(operationOf.get(route.route)!).toSorted(),
      }))
      .filter(({ edge, documented }) => JSON.stringify(edge) !== JSON.stringify(documented));
    expect(differences).toEqual([]);
    // the check reads the document's wording: it must find the policies where they are
    expect(documentedPolicies(operations.find((op) => op.route === 'POST /api/v1/auth/login')!)).toEqual(['login']);
  });

  it('waits longer on exactly the operations that honour Prefer: wait', () => {
    const honouring = operations.filter((op) => (raw(op).parameters ?? []).some((p) => p.in === 'header' && p.name === 'Prefer'));
    expect(honouring.map((op) => op.route).toSorted()).toEqual([...WAITING_ROUTES].toSorted());
  });
});
