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

/**
 * Every schema of the monolith, platform first; `runMigrations` orders them by id and applies each once. Its own
 * module so that both `createApp` (which applies them) and the platform module (whose readiness check expects them
 * applied) can name it.
 */
export const allMigrations: readonly Migration[] = [
  ...platformCoreMigrations,
  ...messagingMigrations,
  ...httpMigrations,
  ...identityMigrations,
  ...catalogMigrations,
  ...inventoryMigrations,
  ...cartMigrations,
  ...orderingMigrations,
  ...paymentMigrations,
  ...shippingMigrations,
  ...notificationsMigrations,
  ...analyticsMigrations,
  ...reviewsMigrations,
];
