import { Module } from '@nestjs/common';

/** analytics */
@Module({})
export class AnalyticsModule {}
