import { Injectable } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { Conflict } from '../../../shared-kernel/errors';
import { checkMethod, type ShippingMethod } from '../domain/shipping-method';
import { methodValues } from './shipping-methods';

export type CreateShippingMethod = Omit<ShippingMethod, 'active'>;

/** An admin offers a new way to ship; its code is unique and never reused (retired methods keep theirs). */
@Injectable()
export class CreateShippingMethodHandler {
  constructor(private readonly db: Database) {}

  async execute(command: CreateShippingMethod, meta: CommandMeta): Promise<ShippingMethod> {
    const method = checkMethod({ ...command, active: true });
    const { rowCount } = await this.db.query(
      `insert into shipping.methods (code, name, countries, currency, rate, free_over, active, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $8) on conflict (code) do nothing`,
      [...methodValues(method), meta.now],
    );
    if (rowCount === 0) throw new Conflict('shipping.method_code_taken', 'a shipping method already has this code', { code: method.code });
    return method;
  }
}
