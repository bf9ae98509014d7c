import { analyticsMigrations } from '../contexts/analytics/infrastructure/migrations';
import { cartMigrations } from '../contexts/cart/infrastructure/migrations';
import { catalogMigrations } from '../contexts/catalog/infrastructure/migrations';
import { identityMigrations } from '../contexts/identity/infrastructure/migrations';
import { inventoryMigrations } from '../contexts/inventory/infrastructure/migrations';
import { notificationsMigrations } from '../contexts/notifications/infrastructure/migrations';
import { orderingMigrations } from '../contexts/ordering/infrastructure/migrations';
import { paymentMigrations } from '../contexts/payment/infrastructure/migrations';
import { reviewsMigrations } from '../contexts/reviews/infrastructure/migrations';
import { shippingMigrations } from '../contexts/shipping/infrastructure/migrations';
import { httpMigrations } from '../platform/http/http.migrations';
import { messagingMigrations } from '../platform/messaging/messaging.migrations';
import type { Migration } from '../platform/persistence/database';
import { platformCoreMigrations } from '../platform/persistence/platform.migrations';
import { CONTEXTS, type ContextName } from './services/topology';

/** Each context's own schema. */
const CONTEXT_MIGRATIONS: Readonly<Record<ContextName, readonly Migration[]>> = {
  identity: identityMigrations,
  catalog: catalogMigrations,
  inventory: inventoryMigrations,
  cart: cartMigrations,
  ordering: orderingMigrations,
  payment: paymentMigrations,
  shipping: shippingMigrations,
  notifications: notificationsMigrations,
  analytics: analyticsMigrations,
  reviews: reviewsMigrations,
};

/**
 * The schemas of a process running `contexts`: the platform's (event log, outbox, inbox, checkpoints, idempotency keys)
 * and those contexts' own. A service's database holds only these; `runMigrations` orders them by id and applies each
 * once. Its own module so that both `createApp` (which applies them) and the platform module (whose readiness check
 * expects them applied) can name it.
 */
export const migrationsFor = (contexts: readonly ContextName[]): readonly Migration[] => [
  ...platformCoreMigrations,
  ...messagingMigrations,
  ...httpMigrations,
  ...contexts.flatMap((context) => CONTEXT_MIGRATIONS[context]),
];

/** Every schema of the monolith, platform first. */
export const allMigrations: readonly Migration[] = migrationsFor(CONTEXTS);
