import { Module } from '@nestjs/common';

/** notifications */
@Module({})
export class NotificationsModule {}
