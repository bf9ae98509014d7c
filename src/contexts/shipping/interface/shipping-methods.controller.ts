import { Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody, ValidQuery } from '../../../platform/http/openapi';
import { Idempotent, Meta, Public, Roles, API_V1 } from '../../../platform/http/request-context';
import { Database } from '../../../platform/persistence/database';
import { CreateShippingMethodHandler } from '../application/create-shipping-method';
import { findOffers } from '../application/quote-shipping';
import { ReviseShippingMethodHandler } from '../application/revise-shipping-method';
import { getMethod, methodNotFound } from '../application/shipping-methods';
import {
  CreateShippingMethodBody,
  ListShippingMethodsQuery,
  MethodCode,
  ReviseShippingMethodBody,
  ShippingMethodResponse,
  ShippingOffersResponse,
} from './shipping.schemas';

const NOT_FOUND = { 404: ['shipping.method_not_found'] };
const INVALID = { 400: ['request.invalid', 'shipping.invalid_method'] };

/** A path parameter names a method only in its canonical form. */
const isMethodCode = (code: string): boolean => MethodCode.safeParse(code).data === code;

/** Shipping methods: anyone asks what ships where and for how much; admins maintain them. */
@Controller(`${API_V1}/shipping-methods`)
export class ShippingMethodsController {
  constructor(
    private readonly db: Database,
    private readonly createMethod: CreateShippingMethodHandler,
    private readonly reviseMethod: ReviseShippingMethodHandler,
  ) {}

  /** Active methods that ship to `country` and accept `weightGrams`, with their price, cheapest first (per currency). */
  @Get()
  @Public()
  @ApiOperation({ summary: 'The shipping methods for a country and weight, with their prices' })
  @ApiZodResponse(200, ShippingOffersResponse)
  @ApiProblems(400)
  async list(@ValidQuery(ListShippingMethodsQuery) query: z.infer<typeof ListShippingMethodsQuery>) {
    return { items: await findOffers(this.db, query) };
  }

  /** One method as configured, active or retired. */
  @Get(':code')
  @Roles('admin')
  @ApiOperation({ summary: 'A shipping method as configured' })
  @ApiZodResponse(200, ShippingMethodResponse)
  @ApiProblems(NOT_FOUND)
  async get(@Param('code') code: string) {
    const method = isMethodCode(code) ? await getMethod(this.db, code) : null;
    if (!method) throw methodNotFound(code);
    return method;
  }

  @Post()
  @Roles('admin')
  @Idempotent()
  @ApiOperation({ summary: 'Create a shipping method' })
  @ApiZodResponse(201, ShippingMethodResponse)
  @ApiProblems(INVALID, { 409: ['shipping.method_code_taken'] })
  create(@ValidBody(CreateShippingMethodBody) body: z.infer<typeof CreateShippingMethodBody>, @Meta() meta: CommandMeta) {
    return this.createMethod.execute(body, meta);
  }

  /** Changes the given fields; `active: false` retires the method, `active: true` offers it again. */
  @Patch(':code')
  @Roles('admin')
  @Idempotent()
  @ApiOperation({ summary: 'Change a shipping method, retire it or offer it again' })
  @ApiZodResponse(200, ShippingMethodResponse)
  @ApiProblems(INVALID, NOT_FOUND)
  revise(
    @Param('code') code: string,
    @ValidBody(ReviseShippingMethodBody) body: z.infer<typeof ReviseShippingMethodBody>,
    @Meta() meta: CommandMeta,
  ) {
    if (!isMethodCode(code)) throw methodNotFound(code);
    return this.reviseMethod.execute({ code, ...body }, meta);
  }

  /** Retires the method (same as `PATCH {active: false}`): its code stays taken, so past orders still name it. */
  @Delete(':code')
  @Roles('admin')
  @Idempotent()
  @HttpCode(204)
  @ApiOperation({ summary: 'Retire a shipping method' })
  @ApiResponse({ status: 204, description: 'retired (also when it was retired already)' })
  @ApiProblems(NOT_FOUND)
  async retire(@Param('code') code: string, @Meta() meta: CommandMeta): Promise<void> {
    if (!isMethodCode(code)) throw methodNotFound(code);
    await this.reviseMethod.execute({ code, active: false }, meta);
  }
}
