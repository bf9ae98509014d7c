import type { Migration } from '../../../platform/persistence/database';

/** Schema `reviews`. */
export const reviewsMigrations: Migration[] = [];
