/** The bounded contexts; in the services topology each runs as a service of its own (or several in one process). */
export const CONTEXTS = [
  'identity',
  'catalog',
  'inventory',
  'cart',
  'ordering',
  'payment',
  'shipping',
  'notifications',
  'analytics',
  'reviews',
] as const;
export type ContextName = (typeof CONTEXTS)[number];

/**
 * Who asks whom synchronously: the contexts whose facades a context calls (over gRPC when they run in another
 * process). Every context also verifies API keys and sessions through identity's (AuthGuard).
 */
export const FACADES_USED: Readonly<Record<ContextName, readonly ContextName[]>> = {
  identity: ['cart'],
  catalog: ['identity'],
  inventory: ['identity'],
  cart: ['identity', 'catalog'],
  ordering: ['identity', 'cart', 'catalog', 'shipping'],
  payment: ['identity'],
  shipping: ['identity'],
  notifications: ['identity'],
  analytics: ['identity'],
  reviews: ['identity'],
};

/** The contexts that answer other contexts' facades (a gRPC server runs in their process). */
export const SERVES_FACADES: ReadonlySet<ContextName> = new Set(Object.values(FACADES_USED).flat());

export const isContext = (name: string): name is ContextName => (CONTEXTS as readonly string[]).includes(name);

/**
 * The contexts a service process runs, from its argument: one context (`ordering`) or several joined by `+` or
 * `,` (`ordering+payment`). Unknown or repeated names are refused with a sentence naming the known ones.
 */
export const contextsOf = (argument: string | undefined): ContextName[] => {
  const names = (argument ?? '')
    .split(/[+,]/)
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0)
    throw new Error(`name the contexts to run, e.g. "ordering" or "ordering+payment" (one of ${CONTEXTS.join(', ')})`);
  const unknown = names.filter((name) => !isContext(name));
  if (unknown.length > 0) throw new Error(`unknown context ${unknown.join(', ')}; the contexts are ${CONTEXTS.join(', ')}`);
  if (new Set(names).size !== names.length) throw new Error(`a context is named twice in "${argument}"`);
  return names as ContextName[];
};

/** The environment variable that gives a context's gRPC address (`host:port`) to the processes that call it. */
export const grpcAddressVariable = (context: ContextName): string => `${context.toUpperCase()}_GRPC_ADDRESS`;

/** The environment variable that gives a gateway the base URL of the service running `context`. */
export const upstreamVariable = (context: ContextName): string => `UPSTREAM_${context.toUpperCase()}`;

/** A service's own database name on a shared server: `<base>_<first context>` (`orderly_ordering`). */
export const serviceDatabaseName = (base: string, contexts: readonly ContextName[]): string => `${base}_${contexts.join('_')}`;
