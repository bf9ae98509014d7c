import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { InvalidInput } from '../../shared-kernel/errors';

/** The issue code a client sees: zod's own, or the one a refinement names (e.g. `invalid_characters` of the text policy). */
const issueCode = (issue: z.core.$ZodIssue): string => {
  const named = issue.code === 'custom' ? (issue.params as { code?: unknown } | undefined)?.code : undefined;
  return typeof named === 'string' ? named : issue.code;
};

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
      errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, code: issueCode(i) })),
    });
  }
}
