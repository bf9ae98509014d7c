import { Injectable } from '@nestjs/common';
import { Database } from '../../../platform/persistence/database';
import { isUuid } from '../../../shared-kernel/ids';
import { OrderLookup, type OrderFacts } from '../contracts';

/** OrderLookup straight from the read model `ordering.orders` (one primary-key lookup). */
@Injectable()
export class PgOrderLookup extends OrderLookup {
  constructor(private readonly db: Database) {
    super();
  }

  async find(orderId: string): Promise<OrderFacts | null> {
    if (!isUuid(orderId)) return null;
    const { rows } = await this.db.query<{
      id: string;
      customer_id: string;
      status: OrderFacts['status'];
      total: string;
      currency: string;
    }>('select id, customer_id, status, total, currency from ordering.orders where id = $1', [orderId]);
    const row = rows[0];
    return row
      ? { orderId: row.id, customerId: row.customer_id, status: row.status, total: { amount: Number(row.total), currency: row.currency } }
      : null;
  }
}
