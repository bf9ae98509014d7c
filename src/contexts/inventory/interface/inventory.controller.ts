import { Controller, Get, Param, Put } from '@nestjs/common';
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

const SetStockLevelBody = z.object({ onHand: z.number().int().min(0).max(1_000_000_000) }).strict();
const StockLevel = z.object({
  sku: z.string(),
  onHand: z.number().int(),
  reserved: z.number().int(),
  available: z.number().int().describe('onHand - reserved; never negative'),
});

/** Stock levels per SKU (admin). Reservations are made by ordering's checkout over the bus, not here. */
@Controller(`${API_V1}/inventory`)
@Roles('admin')
export class InventoryController {
  constructor(
    private readonly setStockLevel: SetStockLevelHandler,
    private readonly db: Database,
  ) {}

  /** Records the counted on-hand stock; refused (409 inventory.on_hand_below_reserved) below what is reserved. */
  @Put(':sku')
  @Idempotent()
  @ApiZodResponse(200, StockLevel)
  @ApiProblems(400, 409)
  set(
    @Param('sku', new ZodPipe(Sku, 'inventory.invalid_sku')) sku: string,
    @ValidBody(SetStockLevelBody) body: z.infer<typeof SetStockLevelBody>,
    @Meta() meta: CommandMeta,
  ) {
    return this.setStockLevel.execute({ sku, onHand: body.onHand }, meta);
  }

  @Get(':sku')
  @ApiZodResponse(200, StockLevel)
  @ApiProblems(404)
  async get(@Param('sku') sku: string) {
    const level = Sku.safeParse(sku).success ? await getStockLevel(this.db, sku) : null;
    if (!level) throw new NotFound('inventory.sku_not_found', 'this SKU has never been stocked', { sku });
    return level;
  }
}
