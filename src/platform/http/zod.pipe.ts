import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { InvalidInput } from '../../shared-kernel/errors';

/** Parses a body, query or param with a zod schema; failures become 400 problem+json listing each issue. */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly code = 'request.invalid',
  ) {}

  transform(value: unknown): z.infer<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new InvalidInput(this.code, 'the request is not valid', {
      errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, code: i.code })),
    });
  }
}
