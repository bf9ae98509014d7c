import type { DynamicModule, Type } from '@nestjs/common';
import { AnalyticsModule } from '../contexts/analytics/analytics.module';
import { CartModule } from '../contexts/cart/cart.module';
import { CatalogModule } from '../contexts/catalog/catalog.module';
import { IdentityAuthModule } from '../contexts/identity/identity-auth.module';
import { IdentityModule } from '../contexts/identity/identity.module';
import { InventoryModule } from '../contexts/inventory/inventory.module';
import { NotificationsModule } from '../contexts/notifications/notifications.module';
import { OrderingModule } from '../contexts/ordering/ordering.module';
import { PaymentModule } from '../contexts/payment/payment.module';
import { ReviewsModule } from '../contexts/reviews/reviews.module';
import { ShippingModule } from '../contexts/shipping/shipping.module';
import type { HttpApiPorts } from '../platform/http/http-api.module';
import { CONTEXTS, type ContextName } from './services/topology';

type NestModule = Type<unknown> | DynamicModule;

/** The context modules of one process and the modules that give the request pipeline identity's ports. */
export type ContextComposition = { modules: NestModule[]; httpPorts: HttpApiPorts };

/**
 * Wires the modules of `contexts` (the monolith: all of them; a service: its own), each importing the modules that
 * provide the facades it uses: the other context's own module when it runs in this process, else `remote(context)`,
 * a module exporting that context's facades as clients of its process (gRPC). This is the one place that says who
 * calls whom; the contexts only name the facades they need. Each module object is made once: Nest tells dynamic
 * modules apart by reference, and a second object would be a second cart.
 */
export const composeContexts = (contexts: readonly ContextName[], remote: (context: ContextName) => NestModule): ContextComposition => {
  const here = new Set(contexts);
  const made = new Map<ContextName, NestModule>();
  const remotes = new Map<ContextName, NestModule>();
  const once = (map: Map<ContextName, NestModule>, context: ContextName, make: () => NestModule): NestModule => {
    if (!map.has(context)) map.set(context, make());
    return map.get(context)!;
  };

  /** The module exporting `context`'s facades to the others. */
  const facadesOf = (context: ContextName): NestModule => {
    if (!here.has(context)) return once(remotes, context, () => remote(context));
    // identity's facades are the request pipeline's ports, in a module of their own that needs only the database
    return context === 'identity' ? IdentityAuthModule : moduleOf(context);
  };

  const moduleOf = (context: ContextName): NestModule =>
    once(made, context, () => {
      switch (context) {
        case 'identity':
          return IdentityModule.register({ guestCarts: facadesOf('cart') });
        case 'catalog':
          return CatalogModule;
        case 'inventory':
          return InventoryModule;
        case 'cart':
          return CartModule.register({ productCatalog: facadesOf('catalog') });
        case 'ordering':
          return OrderingModule.register({
            cartContents: facadesOf('cart'),
            productCatalog: facadesOf('catalog'),
            shippingRates: facadesOf('shipping'),
            shipments: facadesOf('shipping'),
          });
        case 'payment':
          return PaymentModule;
        case 'shipping':
          return ShippingModule;
        case 'notifications':
          return NotificationsModule;
        case 'analytics':
          return AnalyticsModule;
        case 'reviews':
          return ReviewsModule;
      }
    });

  // in the monolith's order: routes (and the OpenAPI document) list in it
  const modules = CONTEXTS.filter((context) => here.has(context)).map(moduleOf);
  const identity = facadesOf('identity');
  return { modules, httpPorts: { apiKeyAuthenticator: identity, revokedSessions: identity } };
};
