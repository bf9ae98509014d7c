import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore, appendedNow } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import type { TaxRateView } from './pricing-queries';

export type SetTaxRate = { country: string; rateBps: number; name?: string };

export const taxRateStream = (country: string): string => `ordering.tax-rate-${country}`;

/**
 * An admin sets the tax rate of a shipping country (replacing the one it had). Orders placed from then on are taxed
 * at it; placed orders keep the tax they were priced with. The row and a TaxRateSet event (who changed it, when)
 * commit together.
 */
@Injectable()
export class SetTaxRateHandler {
  constructor(
    private readonly db: Database,
    private readonly events: EventStore,
  ) {}

  execute(cmd: SetTaxRate, meta: CommandMeta): Promise<TaxRateView> {
    const rate = { country: cmd.country, rateBps: cmd.rateBps, name: cmd.name ?? 'Tax' };
    return this.db.transaction(async (tx) => {
      await tx.query(
        `insert into ordering.tax_rates (country, rate_bps, name, updated_at) values ($1, $2, $3, $4)
         on conflict (country) do update set rate_bps = excluded.rate_bps, name = excluded.name, updated_at = excluded.updated_at`,
        [rate.country, rate.rateBps, rate.name, meta.now],
      );
      const appended = await this.events.append(taxRateStream(rate.country), [{ type: 'TaxRateSet', data: rate }], {
        expectedVersion: 'any',
        meta,
        tx,
      });
      // the row must not change without its event: a repeated command rolls back
      appendedNow(appended);
      return { ...rate, updatedAt: meta.now.toISOString() };
    });
  }
}
