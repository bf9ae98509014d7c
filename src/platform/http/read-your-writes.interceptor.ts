import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { mergeMap, Observable } from 'rxjs';
import { ReadDatabase } from '../persistence/read-database';
import type { OrderlyRequest } from './request-context';

export const READ_YOUR_WRITES = 'orderly:read-your-writes';

/**
 * Marks a command whose effects the caller reads back through `ReadDatabase.forUser` (placing or cancelling an order:
 * the order history): once it succeeds, the caller's next reads see what it wrote even from a lagging replica. Only
 * such commands pay for it (one statement and, with Redis, one command); without a replica it costs nothing.
 */
export const ReadYourWrites = () => SetMetadata(READ_YOUR_WRITES, true);

/**
 * Runs `ReadDatabase.noteWriteBy` for the authenticated caller of an `@ReadYourWrites()` route after its handler
 * succeeded and before the answer leaves, so no later request of theirs can arrive first. A failed command wrote
 * nothing (one transaction), so nothing is noted for it.
 */
@Injectable()
export class ReadYourWritesInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly reads: ReadDatabase,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || !this.reflector.get<boolean | undefined>(READ_YOUR_WRITES, context.getHandler())) {
      return next.handle();
    }
    const user = context.switchToHttp().getRequest<OrderlyRequest>().user;
    if (!user) return next.handle();
    return next.handle().pipe(
      mergeMap(async (result: unknown) => {
        await this.reads.noteWriteBy(user.id);
        return result;
      }),
    );
  }
}
