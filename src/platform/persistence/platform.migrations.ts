import { consumersMigrations } from '../consumers/consumers.migrations';
import { eventStoreMigrations } from '../event-store/event-store.migrations';
import { schedulingMigrations } from '../scheduling/scheduling.migrations';
import type { Migration } from './database';

/** Schema `es`: the event store, the log consumers and the scheduled messages. */
export const platformCoreMigrations: Migration[] = [...eventStoreMigrations, ...consumersMigrations, ...schedulingMigrations];
