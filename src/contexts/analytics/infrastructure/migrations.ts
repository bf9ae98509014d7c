import type { Migration } from '../../../platform/persistence/database';

/** Schema `analytics`. */
export const analyticsMigrations: Migration[] = [];
