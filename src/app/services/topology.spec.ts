import { describe, expect, it } from 'vitest';
import { composeContexts } from '../compose-contexts';
import { DEFAULT_GRPC_CLIENT_OPTIONS } from '../../platform/grpc/grpc-client-options';
import { facadeClientModule } from './grpc-facades';
import { remoteFacades, servicesOf } from './local-topology';
import { CONTEXTS, type ContextName, contextsOf, FACADES_USED, SERVES_FACADES } from './topology';

/** The contexts whose facades the composition asks for remotely when `contexts` run in one process. */
const composedRemotes = (contexts: ContextName[]): ContextName[] => {
  const asked: ContextName[] = [];
  composeContexts(contexts, (context) => {
    asked.push(context);
    return { module: class Remote {} };
  });
  return asked.sort();
};

describe('the services topology', () => {
  it.each(CONTEXTS)('%s alone calls, over gRPC, exactly the facades FACADES_USED names', (context) => {
    expect(composedRemotes([context])).toEqual([...FACADES_USED[context]].sort());
    expect(remoteFacades([context]).sort()).toEqual([...FACADES_USED[context]].sort());
  });

  it('a group calls only the facades of contexts outside it; the monolith none', () => {
    expect(composedRemotes(['ordering', 'cart'])).toEqual(['catalog', 'identity', 'shipping']);
    expect(composedRemotes([...CONTEXTS])).toEqual([]);
  });

  it('every context another calls serves its facades over gRPC, and only those', () => {
    for (const context of CONTEXTS) {
      const client = () => facadeClientModule(context, '127.0.0.1:1', DEFAULT_GRPC_CLIENT_OPTIONS);
      if (SERVES_FACADES.has(context)) expect(client).not.toThrow();
      else expect(client).toThrow(/serves no facade/);
    }
  });

  it('reads the contexts of a service from its argument, refusing unknown and repeated ones', () => {
    expect(contextsOf('ordering')).toEqual(['ordering']);
    expect(contextsOf('ordering+payment')).toEqual(['ordering', 'payment']);
    expect(() => contextsOf(undefined)).toThrow(/name the contexts/);
    expect(() => contextsOf('orders')).toThrow(/unknown context orders/);
    expect(() => contextsOf('cart+cart')).toThrow(/named twice/);
  });

  it('runs every context exactly once: one service each by default, or the groups SERVICES names', () => {
    expect(servicesOf(undefined)).toEqual(CONTEXTS.map((context) => [context]));
    const groups = 'identity catalog inventory cart ordering+payment shipping notifications+analytics+reviews';
    expect(servicesOf(groups)).toHaveLength(7);
    expect(() => servicesOf('identity catalog')).toThrow(/no service for inventory/);
    expect(() => servicesOf(`${groups} cart`)).toThrow(/in two services/);
  });
});
