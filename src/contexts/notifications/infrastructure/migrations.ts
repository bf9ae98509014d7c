import type { Migration } from '../../../platform/persistence/database';

/** Schema `notifications`. */
export const notificationsMigrations: Migration[] = [];
