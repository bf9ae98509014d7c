import { Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { Idempotent, Meta, Roles, API_V1 } from '../../../platform/http/request-context';
import { ZodPipe } from '../../../platform/http/zod.pipe';
import { Database } from '../../../platform/persistence/database';
import { NotFound } from '../../../shared-kernel/errors';
import { Sku } from '../../catalog/contracts';
import { SetStockLevelHandler } from '../application/set-stock-level';
import { getStockLevel } from '../application/stock-levels.projection';
import { MAX_ON_HAND } from '../domain/stock';

const SetStockLevelBody = z.object({ onHand: z.number().int().min(0).max(MAX_ON_HAND) }).strict();
export const StockLevel = z.object({
  sku: z.string(),
  onHand: z.number().int(),
  reserved: z.number().int(),
  available: z.number().int().describe('onHand - reserved; never negative'),
});

export const SkuParam = new ZodPipe(Sku, 'inventory.invalid_sku');

/** Stock levels per SKU. Reservations are made by ordering's checkout over the bus, not here. */
@ApiTags('inventory')
@Controller(`${API_V1}/inventory`)
export class InventoryController {
  constructor(
    private readonly setStockLevel: SetStockLevelHandler,
    private readonly db: Database,
  ) {}

  @Put(':sku')
  @Roles('admin')
  @Idempotent()
  @ApiOperation({ summary: 'Record the counted on-hand stock of a SKU (ledger kind set_level)' })
  @ApiZodResponse(200, StockLevel)
  @ApiProblems({ 400: ['inventory.invalid_sku'], 409: ['inventory.on_hand_below_reserved', 'inventory.on_hand_limit_exceeded'] })
  set(
    @Param('sku', SkuParam) sku: string,
    @ValidBody(SetStockLevelBody) body: z.infer<typeof SetStockLevelBody>,
    @Meta() meta: CommandMeta,
  ) {
    return this.setStockLevel.execute({ sku, onHand: body.onHand }, meta);
  }

  @Get(':sku')
  @Roles('staff')
  @ApiOperation({ summary: 'The on-hand, reserved and available stock of a SKU' })
  @ApiZodResponse(200, StockLevel)
  @ApiProblems({ 404: ['inventory.sku_not_found'] })
  async get(@Param('sku') sku: string) {
    const level = Sku.safeParse(sku).success ? await getStockLevel(this.db, sku) : null;
    if (!level) throw new NotFound('inventory.sku_not_found', 'this SKU has never been stocked', { sku });
    return level;
  }
}
