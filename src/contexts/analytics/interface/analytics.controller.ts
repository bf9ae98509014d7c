import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiProblems, ApiZodResponse, ValidQuery, MoneyResponse as MoneySchema } from '../../../platform/http/openapi';
import { API_V1, Roles } from '../../../platform/http/request-context';
import { ReadDatabase } from '../../../platform/persistence/read-database';
import { InvalidInput } from '../../../shared-kernel/errors';
import { Clock } from '../../../shared-kernel/clock';
import { getSalesSummary } from '../application/sales-summary';

const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

const SummaryQuery = z
  .object({
    from: z.iso.date().optional().describe('first UTC day (default: 29 days before `to`)'),
    to: z.iso.date().optional().describe('last UTC day, inclusive (default: today)'),
  })
  .strict();

const SummaryResponse = z.object({
  from: z.iso.date(),
  to: z.iso.date(),
  revenuePerDay: z.array(
    z.object({
      day: z.iso.date(),
      currency: z.string(),
      confirmedOrders: z.number().int(),
      revenue: z.number().int(),
      refunds: z.number().int(),
      net: z.number().int(),
    }),
  ),
  ordersByStatus: z.record(z.string(), z.number().int()).describe('orders placed in the range, by their status now'),
  averageOrderValue: z.array(MoneySchema).describe('per currency, over orders confirmed in the range'),
  topProducts: z.array(
    z.object({ sku: z.string(), productId: z.string().nullable(), name: z.string(), quantity: z.number().int(), revenue: MoneySchema }),
  ),
  cartConversion: z.object({ cartsStarted: z.number().int(), ordersPlaced: z.number().int(), rate: z.number().nullable() }),
});

/** Sales figures for admins, from projections over integration events. */
@ApiTags('analytics')
@Controller(`${API_V1}/analytics`)
@Roles('admin')
export class AnalyticsController {
  constructor(
    private readonly reads: ReadDatabase,
    private readonly clock: Clock,
  ) {}

  @Get('summary')
  @ApiOperation({ summary: 'Revenue per day, orders by status, average order value, top products, cart-to-order conversion' })
  @ApiZodResponse(200, SummaryResponse)
  @ApiProblems({ 400: ['analytics.invalid_range'] })
  summary(@ValidQuery(SummaryQuery) query: z.infer<typeof SummaryQuery>) {
    const to = query.to ?? this.clock.now().toISOString().slice(0, 10);
    const from = query.from ?? new Date(Date.parse(to) - 29 * DAY_MS).toISOString().slice(0, 10);
    const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    if (days < 1 || days > MAX_DAYS) {
      throw new InvalidInput('analytics.invalid_range', `from must not be after to, and the range is at most ${MAX_DAYS} days`, {
        from,
        to,
      });
    }
    return getSalesSummary(this.reads.forAnyone(), from, to);
  }
}
