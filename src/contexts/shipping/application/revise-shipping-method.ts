import { Injectable } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { checkMethod, type Rate, type ShippingMethod } from '../domain/shipping-method';
import { getMethod, methodNotFound, methodValues } from './shipping-methods';

/** Fields left out stay as they are; `freeOver: null` removes the free-shipping threshold. */
export type ReviseShippingMethod = {
  code: string;
  name?: string;
  countries?: 'all' | string[];
  currency?: string;
  rate?: Rate;
  freeOver?: number | null;
  active?: boolean;
};

/**
 * An admin renames, reprices or re-scopes a method, or retires (`active: false`) and revives it. A retired
 * method is neither listed nor quoted; orders that used it keep the price they were charged.
 */
@Injectable()
export class ReviseShippingMethodHandler {
  constructor(private readonly db: Database) {}

  execute(command: ReviseShippingMethod, meta: CommandMeta): Promise<ShippingMethod> {
    return this.db.transaction(async (tx) => {
      const current = await getMethod(tx, command.code, { forUpdate: true });
      if (!current) throw methodNotFound(command.code);
      const { code: _, freeOver, ...changes } = command;
      const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      const next: ShippingMethod = { ...current, ...defined };
      if (freeOver === null) delete next.freeOver;
      else if (freeOver !== undefined) next.freeOver = freeOver;
      checkMethod(next);
      await tx.query(
        `update shipping.methods
            set name = $2, countries = $3, currency = $4, rate = $5, free_over = $6, active = $7, updated_at = $8
          where code = $1`,
        [...methodValues(next), meta.now],
      );
      return next;
    });
  }
}
