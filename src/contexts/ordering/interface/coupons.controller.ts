import { Controller, Get, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody, ValidQuery } from '../../../platform/http/openapi';
import { API_V1, Idempotent, Meta, Roles } from '../../../platform/http/request-context';
import { CouponCode } from '../../../platform/http/text-schemas';
import { Database } from '../../../platform/persistence/database';
import { InvalidInput } from '../../../shared-kernel/errors';
import { CreateCouponHandler } from '../application/create-coupon';
import { findCoupons, type CouponView } from '../application/pricing-queries';
import { CouponPageResponse, CouponResponse, CreateCouponBody, ListCouponsQuery } from './pricing.schemas';

const encodeCursor = (at: { createdAt: string; code: string }): string =>
  Buffer.from(JSON.stringify([at.createdAt, at.code])).toString('base64url');

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The position a cursor points after, or undefined when it is not one of ours. */
const decodeCursor = (cursor: string): { createdAt: string; code: string } | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [createdAt, code] = value as unknown[];
    if (typeof createdAt !== 'string' || !ISO_INSTANT.test(createdAt) || Number.isNaN(Date.parse(createdAt))) return undefined;
    const parsed = CouponCode.safeParse(code);
    return parsed.success && parsed.data === code ? { createdAt, code } : undefined;
  } catch {
    return undefined;
  }
};

/** Coupons: admins create and list them; customers use one by its code at checkout. */
@ApiTags('ordering')
@Controller(`${API_V1}/coupons`)
@Roles('admin')
export class CouponsController {
  constructor(
    private readonly db: Database,
    private readonly createCoupon: CreateCouponHandler,
  ) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Create a coupon (percentage or fixed amount; optional minimum order, expiry, usage limit)' })
  @ApiZodResponse(201, CouponResponse)
  @ApiProblems(400, { 409: ['ordering.coupon_code_taken'], 422: ['ordering.coupon_already_expired'] })
  create(@ValidBody(CreateCouponBody) body: z.infer<typeof CreateCouponBody>, @Meta() meta: CommandMeta): Promise<CouponView> {
    return this.createCoupon.execute(body, meta);
  }

  @Get()
  @ApiOperation({ summary: 'Coupons with their use counts, newest first (cursor pagination)' })
  @ApiZodResponse(200, CouponPageResponse)
  @ApiProblems({ 400: ['ordering.invalid_cursor'] })
  async list(
    @ValidQuery(ListCouponsQuery) query: z.infer<typeof ListCouponsQuery>,
  ): Promise<{ items: CouponView[]; nextCursor: string | null }> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !after) throw new InvalidInput('ordering.invalid_cursor', 'the cursor is not valid');
    const page = await findCoupons(this.db, { limit: query.limit, after });
    return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
  }
}
