import type { ContextName } from '../app/services/topology';

/** Who answers a route: a context's service, or the gateway itself (its health probes). */
export type RouteOwner = ContextName | 'gateway';

/**
 * Which service owns which routes of the API, by path prefix in the OpenAPI document's template form (`{id}` stands
 * for any one path segment). The longest prefix that matches a route wins; two of the same length matching one route
 * would leave it without a single owner, which test/gateway/route-table.spec.ts refuses, as it refuses any operation of
 * the monolith's document that no prefix claims.
 */
export const ROUTE_TABLE: readonly { prefix: string; owner: RouteOwner }[] = [
  { prefix: '/health', owner: 'gateway' },
  { prefix: '/api/v1/auth', owner: 'identity' },
  { prefix: '/api/v1/me', owner: 'identity' },
  { prefix: '/api/v1/staff', owner: 'identity' },
  { prefix: '/api/v1/api-keys', owner: 'identity' },
  { prefix: '/api/v1/products', owner: 'catalog' },
  { prefix: '/api/v1/categories', owner: 'catalog' },
  { prefix: '/api/v1/search', owner: 'catalog' },
  { prefix: '/api/v1/inventory', owner: 'inventory' },
  { prefix: '/api/v1/cart', owner: 'cart' },
  { prefix: '/api/v1/checkout', owner: 'ordering' },
  { prefix: '/api/v1/orders', owner: 'ordering' },
  { prefix: '/api/v1/returns', owner: 'ordering' },
  { prefix: '/api/v1/tax-rates', owner: 'ordering' },
  { prefix: '/api/v1/coupons', owner: 'ordering' },
  { prefix: '/api/v1/admin/orders', owner: 'ordering' },
  { prefix: '/api/v1/payments', owner: 'payment' },
  { prefix: '/api/v1/shipping-methods', owner: 'shipping' },
  { prefix: '/api/v1/shipments', owner: 'shipping' },
  { prefix: '/api/v1/shipping', owner: 'shipping' },
  { prefix: '/api/v1/dev/mailbox', owner: 'notifications' },
  { prefix: '/api/v1/analytics', owner: 'analytics' },
  { prefix: '/api/v1/products/{id}/reviews', owner: 'reviews' },
  { prefix: '/api/v1/reviews', owner: 'reviews' },
];

const segmentsOf = (path: string): string[] => path.split('/').filter(Boolean);
const isParameter = (segment: string): boolean => /^\{\w+\}$/.test(segment);

/** Whether `prefix` covers `template` segment by segment (a parameter of the prefix stands for any one segment). */
const covers = (prefix: string, template: string): boolean => {
  const want = segmentsOf(prefix);
  const have = segmentsOf(template);
  return want.length <= have.length && want.every((segment, i) => segment === have[i] || isParameter(segment));
};

/** The entries of the table that claim `template` with the longest prefix: exactly one for a route with an owner. */
export const claimantsOf = (template: string, table = ROUTE_TABLE): { prefix: string; owner: RouteOwner }[] => {
  const matching = table.filter((entry) => covers(entry.prefix, template));
  const longest = Math.max(0, ...matching.map((entry) => segmentsOf(entry.prefix).length));
  return matching.filter((entry) => segmentsOf(entry.prefix).length === longest);
};

/** A route of the document that the route table gives no single owner: the gateway refuses to start with it. */
export class UnownedRoute extends Error {
  constructor(route: string, claimants: readonly { prefix: string }[]) {
    super(
      claimants.length === 0
        ? `no entry of the gateway's route table owns ${route}`
        : `${route} is claimed by ${claimants.map((c) => c.prefix).join(' and ')} at once`,
    );
    this.name = 'UnownedRoute';
  }
}

/** The owner of a route template (`/api/v1/orders/{id}`); throws UnownedRoute unless exactly one entry claims it. */
export const ownerOf = (template: string): RouteOwner => {
  const claimants = claimantsOf(template);
  if (claimants.length !== 1) throw new UnownedRoute(template, claimants);
  return claimants[0].owner;
};
