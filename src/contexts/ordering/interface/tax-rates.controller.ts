import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { API_V1, Idempotent, Meta, Public, Roles } from '../../../platform/http/request-context';
import { Database } from '../../../platform/persistence/database';
import { findTaxRates, type TaxRateView } from '../application/pricing-queries';
import { SetTaxRateHandler } from '../application/set-tax-rate';
import { SetTaxRateBody, TaxRateListResponse, TaxRateResponse } from './pricing.schemas';

/** Tax rates per shipping country: public (a storefront may show them), set by admins. */
@ApiTags('ordering')
@Controller(`${API_V1}/tax-rates`)
export class TaxRatesController {
  constructor(
    private readonly db: Database,
    private readonly setTaxRate: SetTaxRateHandler,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Tax rate of every country that has one (a country without one is not taxed)' })
  @ApiZodResponse(200, TaxRateListResponse)
  async list(): Promise<{ items: TaxRateView[] }> {
    return { items: await findTaxRates(this.db) };
  }

  @Post()
  @HttpCode(200)
  @Roles('admin')
  @Idempotent()
  @ApiOperation({ summary: "Set a country's tax rate (replaces its rate); orders placed from then on use it" })
  @ApiZodResponse(200, TaxRateResponse)
  @ApiProblems(400, 409)
  set(@ValidBody(SetTaxRateBody) body: z.infer<typeof SetTaxRateBody>, @Meta() meta: CommandMeta): Promise<TaxRateView> {
    return this.setTaxRate.execute(body, meta);
  }
}
