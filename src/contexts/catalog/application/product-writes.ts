import type { AppendResult } from '../../../platform/event-store/event-store';
import { Conflict } from '../../../shared-kernel/errors';

export const productStream = (productId: string): string => `catalog.product-${productId}`;
export const categoryStream = (categoryId: string): string => `catalog.category-${categoryId}`;

/**
 * State and events commit together. When the event store reports the command id as already applied, the row
 * written in this transaction must not stay without its event: throwing rolls both back.
 */
export const refuseRepeatedCommand = (result: AppendResult): void => {
  if (result.duplicate) throw new Conflict('catalog.command_already_applied', 'this command was applied before; nothing was changed');
};
