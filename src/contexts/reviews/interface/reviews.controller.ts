import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody, ValidQuery } from '../../../platform/http/openapi';
import { API_V1, type AuthUser, CurrentUser, Idempotent, Meta, Public, Roles } from '../../../platform/http/request-context';
import { MultiLineText } from '../../../platform/http/text-schemas';
import { ZodPipe } from '../../../platform/http/zod.pipe';
import { Database } from '../../../platform/persistence/database';
import { HideReviewHandler } from '../application/hide-review';
import { PostReviewHandler } from '../application/post-review';
import { findProductReviews } from '../application/reviews.queries';
import { RATING_MAX, RATING_MIN, TEXT_MAX, TEXT_MIN } from '../domain/review';

const ProductId = new ZodPipe(z.uuid(), 'reviews.invalid_product_id');

const PostReviewBody = z
  .object({
    rating: z.number().int().min(RATING_MIN).max(RATING_MAX),
    text: MultiLineText(TEXT_MAX, { min: TEXT_MIN }),
  })
  .strict();
const HideReviewBody = z.object({ reason: MultiLineText(500).optional() }).strict();
const ListReviewsQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(50).default(10), cursor: z.string().max(200).optional() })
  .strict();

const ReviewSchema = z.object({
  id: z.uuid(),
  productId: z.string(),
  rating: z.number().int(),
  text: z.string(),
  author: z.string().describe("the reviewer's first name"),
  verifiedPurchase: z.literal(true),
  hidden: z.boolean(),
  createdAt: z.iso.datetime(),
});
const ReviewPageSchema = z.object({
  items: z.array(ReviewSchema),
  rating: z.object({ average: z.number(), count: z.number().int() }),
  nextCursor: z.string().nullable(),
});

/** Verified-purchase reviews: customers who received a product review it once; staff hide what breaks the rules. */
@ApiTags('reviews')
@Controller(API_V1)
export class ReviewsController {
  constructor(
    private readonly db: Database,
    private readonly postReview: PostReviewHandler,
    private readonly hideReview: HideReviewHandler,
  ) {}

  @Get('products/:id/reviews')
  @Public()
  @ApiOperation({ summary: "A product's visible reviews, newest first, with its rating" })
  @ApiZodResponse(200, ReviewPageSchema)
  @ApiProblems({ 400: ['reviews.invalid_product_id', 'reviews.invalid_cursor'] })
  list(@Param('id', ProductId) productId: string, @ValidQuery(ListReviewsQuery) query: z.infer<typeof ListReviewsQuery>) {
    return findProductReviews(this.db, productId, query);
  }

  @Post('products/:id/reviews')
  @Roles('customer')
  @Idempotent()
  @ApiOperation({ summary: 'Review a product received in a delivered order (one review per customer and product)' })
  @ApiZodResponse(201, ReviewSchema)
  @ApiProblems({
    400: ['reviews.invalid_product_id', 'reviews.invalid_rating', 'reviews.invalid_text'],
    403: ['reviews.purchase_required'],
    409: ['reviews.already_reviewed'],
  })
  post(
    @Param('id', ProductId) productId: string,
    @ValidBody(PostReviewBody) body: z.infer<typeof PostReviewBody>,
    @CurrentUser() user: AuthUser,
    @Meta() meta: CommandMeta,
  ) {
    return this.postReview.execute({ productId, customerId: user.id, ...body }, meta);
  }

  @Post('reviews/:id/hide')
  @HttpCode(200)
  @Roles('staff')
  @Idempotent()
  @ApiOperation({ summary: 'Hide a review from the product page and its rating (staff)' })
  @ApiZodResponse(200, ReviewSchema)
  @ApiProblems({ 400: ['reviews.invalid_review_id'], 404: ['reviews.review_not_found'] })
  hide(
    @Param('id', new ZodPipe(z.uuid(), 'reviews.invalid_review_id')) reviewId: string,
    @ValidBody(HideReviewBody) body: z.infer<typeof HideReviewBody>,
    @Meta() meta: CommandMeta,
  ) {
    return this.hideReview.execute({ reviewId, reason: body.reason }, meta);
  }
}
