import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody, ValidQuery } from '../../../platform/http/openapi';
import { API_V1, Idempotent, Meta, Roles } from '../../../platform/http/request-context';
import { MultiLineText, SingleLineText } from '../../../platform/http/text-schemas';
import { Database } from '../../../platform/persistence/database';
import { InvalidInput, NotFound } from '../../../shared-kernel/errors';
import { AdjustStockHandler } from '../application/adjust-stock';
import { RestockHandler } from '../application/restock';
import { decodeLedgerCursor, findLedger, type LedgerPage } from '../application/stock-ledger.projection';
import { getStockLevel } from '../application/stock-levels.projection';
import { ADJUSTMENT_REASONS, MAX_ON_HAND } from '../domain/stock';
import { SkuParam, StockLevel } from './inventory.controller';

const Note = MultiLineText(500);
const RestockBody = z
  .object({
    quantity: z.number().int().min(1).max(MAX_ON_HAND),
    reason: SingleLineText(200).describe('why the units came in, e.g. supplier_delivery, transfer'),
    note: Note.optional(),
  })
  .strict();
const AdjustmentBody = z
  .object({
    delta: z
      .number()
      .int()
      .min(-MAX_ON_HAND)
      .max(MAX_ON_HAND)
      .refine((delta) => delta !== 0, 'must not be 0')
      .describe('units added (positive) or removed (negative) from on-hand'),
    reason: z.enum(ADJUSTMENT_REASONS),
    note: Note.optional(),
  })
  .strict();
const LedgerQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(200).optional() })
  .strict();
const LedgerEntry = z.object({
  version: z.number().int().describe("the movement's position in the SKU's history"),
  kind: z.enum(['set_level', 'restock', 'adjustment', 'reservation', 'release', 'commit', 'order_cancelled', 'return']),
  reason: z.string(),
  note: z.string().optional(),
  quantity: z.number().int().describe('change of on-hand'),
  reservedChange: z.number().int(),
  onHand: z.number().int().describe('on-hand after the movement'),
  reserved: z.number().int(),
  available: z.number().int(),
  orderId: z.string().optional(),
  returnId: z.string().optional(),
  by: z.string().nullable().describe('the user who made it; null for the system'),
  at: z.iso.datetime(),
});
const LedgerPageSchema = z.object({ sku: z.string(), items: z.array(LedgerEntry), nextCursor: z.string().nullable() });

/** Movements of stock that staff record (restock, adjustment) and the ledger of every movement. */
@ApiTags('inventory')
@Controller(`${API_V1}/inventory`)
@Roles('staff')
export class StockMovementsController {
  constructor(
    private readonly restockHandler: RestockHandler,
    private readonly adjustStock: AdjustStockHandler,
    private readonly db: Database,
  ) {}

  @Post(':sku/restock')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({ summary: 'Record units received for a SKU, with a reason (a SKU never stocked starts with them)' })
  @ApiZodResponse(200, StockLevel, 'the levels after the restock')
  @ApiProblems({ 400: ['inventory.invalid_sku'], 409: ['inventory.on_hand_limit_exceeded'] })
  restock(@Param('sku', SkuParam) sku: string, @ValidBody(RestockBody) body: z.infer<typeof RestockBody>, @Meta() meta: CommandMeta) {
    return this.restockHandler.execute({ sku, ...body }, meta);
  }

  @Post(':sku/adjustments')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({ summary: "Correct a SKU's on-hand stock by a delta, with a reason and an optional note" })
  @ApiZodResponse(200, StockLevel, 'the levels after the adjustment')
  @ApiProblems({ 400: ['inventory.invalid_sku'], 409: ['inventory.insufficient_stock', 'inventory.on_hand_limit_exceeded'] })
  adjust(@Param('sku', SkuParam) sku: string, @ValidBody(AdjustmentBody) body: z.infer<typeof AdjustmentBody>, @Meta() meta: CommandMeta) {
    return this.adjustStock.execute({ sku, ...body }, meta);
  }

  @Get(':sku/ledger')
  @ApiOperation({ summary: "A SKU's stock movements, newest first (cursor pagination)" })
  @ApiZodResponse(200, LedgerPageSchema)
  @ApiProblems({ 400: ['inventory.invalid_sku', 'inventory.invalid_cursor'], 404: ['inventory.sku_not_found'] })
  async ledger(@Param('sku', SkuParam) sku: string, @ValidQuery(LedgerQuery) query: z.infer<typeof LedgerQuery>): Promise<LedgerPage> {
    const before = query.cursor === undefined ? undefined : decodeLedgerCursor(query.cursor);
    if (query.cursor !== undefined && before === undefined) throw new InvalidInput('inventory.invalid_cursor', 'the cursor is not valid');
    if (!(await getStockLevel(this.db, sku))) throw new NotFound('inventory.sku_not_found', 'this SKU has never been stocked', { sku });
    return findLedger(this.db, sku, { limit: query.limit, before });
  }
}
