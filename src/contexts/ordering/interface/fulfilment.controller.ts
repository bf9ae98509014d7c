import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { API_V1, Idempotent, Meta, Roles } from '../../../platform/http/request-context';
import { Database } from '../../../platform/persistence/database';
import { isUuid } from '../../../shared-kernel/ids';
import { DeliverOrderHandler } from '../application/deliver-order';
import { getOrder, type OrderView } from '../application/orders.projection';
import { ShipOrderHandler } from '../application/ship-order';
import { OrderNotFound } from '../domain/order';
import { NoBodySchema, ShipOrderSchema } from './order-lifecycle.schemas';
import { OrderSchema } from './orders.controller';

/** Staff move paid orders on: handed to a carrier, then delivered (the carrier's tracking also reports deliveries). */
@ApiTags('ordering')
@Controller(`${API_V1}/orders`)
export class FulfilmentController {
  constructor(
    private readonly db: Database,
    private readonly shipOrder: ShipOrderHandler,
    private readonly deliverOrder: DeliverOrderHandler,
  ) {}

  @Post(':id/ship')
  @HttpCode(200)
  @Roles('staff')
  @Idempotent()
  @ApiOperation({
    summary: 'Hand a confirmed order to a carrier; shipping the same parcel again changes nothing',
    description:
      'The order is `dispatching` (and cannot be cancelled) while shipping registers the parcel. A refusal of shipping (422, 409 ' +
      '`shipping.*`) frees it again; any other failure leaves it dispatching until the same request is repeated.',
  })
  @ApiZodResponse(200, OrderSchema, 'the shipped order')
  @ApiProblems({
    400: ['request.invalid', 'shipping.invalid_dispatch_request'],
    404: ['ordering.order_not_found'],
    409: [
      'ordering.order_not_shippable',
      'ordering.order_already_shipped',
      'ordering.dispatch_in_progress',
      'shipping.already_dispatched',
      'shipping.tracking_number_in_use',
    ],
    422: ['shipping.unknown_carrier', 'shipping.tracking_number_refused'],
  })
  async ship(
    @Param('id') id: string,
    @ValidBody(ShipOrderSchema) body: z.infer<typeof ShipOrderSchema>,
    @Meta() meta: CommandMeta,
  ): Promise<OrderView> {
    if (!isUuid(id)) throw new OrderNotFound(id);
    await this.shipOrder.execute({ orderId: id, ...body }, meta);
    return this.order(id);
  }

  @Post(':id/deliver')
  @HttpCode(200)
  @Roles('staff')
  @Idempotent()
  @ApiOperation({
    summary: 'Mark a shipped order delivered; a delivery already reported (by staff or the carrier) changes nothing',
    description: 'A parcel the carrier reported intercepted or returned to sender is not delivered (409 `ordering.order_not_deliverable`).',
  })
  @ApiZodResponse(200, OrderSchema, 'the delivered order')
  @ApiProblems(400, { 404: ['ordering.order_not_found'], 409: ['ordering.order_not_deliverable'] })
  async deliver(
    @Param('id') id: string,
    @ValidBody(NoBodySchema) _body: z.infer<typeof NoBodySchema>,
    @Meta() meta: CommandMeta,
  ): Promise<OrderView> {
    if (!isUuid(id)) throw new OrderNotFound(id);
    await this.deliverOrder.execute({ orderId: id }, meta);
    return this.order(id);
  }

  private async order(id: string): Promise<OrderView> {
    const found = await getOrder(this.db, id);
    if (!found) throw new OrderNotFound(id);
    return found.order;
  }
}
