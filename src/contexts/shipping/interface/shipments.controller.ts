import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { ApiProblems, ApiZodResponse } from '../../../platform/http/openapi';
import { Roles, API_V1 } from '../../../platform/http/request-context';
import { Database } from '../../../platform/persistence/database';
import { getShipment } from '../application/shipments.projection';
import { ShipmentNotFound } from '../domain/shipment';
import { ShipmentResponse } from './shipping.schemas';

/** Shipments as staff follow them: the carrier, the tracking number and what the carrier reported. */
@Controller(`${API_V1}/shipments`)
@Roles('staff')
export class ShipmentsController {
  constructor(private readonly db: Database) {}

  @Get(':orderId')
  @ApiOperation({ summary: 'The shipment of an order: carrier, tracking number, tracking events' })
  @ApiZodResponse(200, ShipmentResponse)
  @ApiProblems({ 404: ['shipping.shipment_not_found'] })
  async get(@Param('orderId') orderId: string) {
    const shipment = /^[A-Za-z0-9_-]{1,100}$/.test(orderId) ? await getShipment(this.db, orderId) : null;
    if (!shipment) throw new ShipmentNotFound({ orderId });
    return shipment;
  }
}
