import { Module } from '@nestjs/common';

/** shipping */
@Module({})
export class ShippingModule {}
