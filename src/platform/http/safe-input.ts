import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { InvalidInput } from '../../shared-kernel/errors';
import type { OrderlyRequest } from './request-context';

/** Deeper than any body of this API; a deeper one is refused before anything walks it recursively. */
export const MAX_INPUT_DEPTH = 32;

/**
 * Where an input breaks rules no route relaxes: NUL characters and lone surrogates (PostgreSQL cannot store them, and
 * no business text needs them) anywhere in a string or key, or nesting deeper than MAX_INPUT_DEPTH. Iterative, so a
 * hostile body cannot exhaust the stack. Returns the path of the first offence, or null.
 */
export const unsafeInput = (input: unknown): { path: string; problem: 'characters' | 'depth' } | null => {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value: input, path: '', depth: 0 }];
  const badText = (text: string) => text.includes('\u0000') || !text.isWellFormed();
  while (pending.length > 0) {
    const { value, path, depth } = pending.pop()!;
    if (typeof value === 'string') {
      if (badText(value)) return { path, problem: 'characters' };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH) return { path, problem: 'depth' };
    for (const [key, child] of Object.entries(value)) {
      if (badText(key)) return { path, problem: 'characters' };
      pending.push({ value: child, path: path ? `${path}.${key}` : key, depth: depth + 1 });
    }
  }
  return null;
};

/** First in the pipeline: refuses unsafe path parameters, query and body with 400 before any route sees them. */
@Injectable()
export class SafeInputInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<OrderlyRequest & { params?: unknown; query?: unknown; body?: unknown }>();
      const found = unsafeInput({ params: request.params ?? {}, query: request.query ?? {}, body: request.body ?? null });
      if (found?.problem === 'depth') {
        throw new InvalidInput(
          'request.too_deeply_nested',
          `the request nests objects or arrays more than ${MAX_INPUT_DEPTH} levels deep`,
          {
            path: found.path,
          },
        );
      }
      if (found) {
        throw new InvalidInput('request.invalid_characters', 'text may not contain NUL characters or unpaired surrogates', {
          path: found.path,
        });
      }
    }
    return next.handle();
  }
}
