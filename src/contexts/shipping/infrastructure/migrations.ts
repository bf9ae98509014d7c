import type { Migration } from '../../../platform/persistence/database';

/** Schema `shipping`. */
export const shippingMigrations: Migration[] = [];
