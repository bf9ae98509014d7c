import { Module } from '@nestjs/common';

/** reviews */
@Module({})
export class ReviewsModule {}
