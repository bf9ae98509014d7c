import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { InvalidInput } from '../../shared-kernel/errors';
import type { OrderlyRequest } from './request-context';

/** Deeper than any body of this API; a deeper one is refused before anything walks it recursively. */
export const MAX_INPUT_DEPTH = 32;
const MAX_REPORTED = 20;

type Offence = { path: string; problem: 'characters' | 'depth' };

/**
 * Where an input breaks rules no route relaxes: NUL characters and lone surrogates (PostgreSQL cannot store them, and
 * no business text needs them) anywhere in a string or key, or nesting deeper than MAX_INPUT_DEPTH. Iterative, so a
 * hostile body cannot exhaust the stack. Returns the offences in document order (at most 20; [] when there is none).
 */
export const unsafeInput = (input: unknown): Offence[] => {
  const found: Offence[] = [];
  const pending: { value: unknown; path: string; depth: number }[] = [{ value: input, path: '', depth: 0 }];
  const badText = (text: string) => text.includes('\u0000') || !text.isWellFormed();
  while (pending.length > 0 && found.length < MAX_REPORTED) {
    const { value, path, depth } = pending.pop()!;
    if (typeof value === 'string') {
      if (badText(value)) found.push({ path, problem: 'characters' });
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH) return [{ path, problem: 'depth' }];
    const children = Object.entries(value);
    for (const [key] of children) if (badText(key)) found.push({ path, problem: 'characters' });
    for (const [key, child] of children.reverse()) pending.push({ value: child, path: path ? `${path}.${key}` : key, depth: depth + 1 });
  }
  return found;
};

/** First in the pipeline: refuses unsafe path parameters, query and body with 400 before any route sees them. */
@Injectable()
export class SafeInputInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<OrderlyRequest & { params?: unknown; query?: unknown; body?: unknown }>();
      const found = unsafeInput({ params: request.params ?? {}, query: request.query ?? {}, body: request.body ?? null });
      if (found[0]?.problem === 'depth') {
        throw new InvalidInput(
          'request.too_deeply_nested',
          `the request nests objects or arrays more than ${MAX_INPUT_DEPTH} levels deep`,
          {
            errors: [{ path: found[0].path, message: 'nested too deeply', code: 'too_deep' }],
          },
        );
      }
      if (found.length > 0) {
        throw new InvalidInput('request.invalid_characters', 'text may not contain NUL characters or unpaired surrogates', {
          errors: found.map(({ path }) => ({
            path,
            message: 'contains a NUL character or an unpaired surrogate',
            code: 'invalid_characters',
          })),
        });
      }
    }
    return next.handle();
  }
}
