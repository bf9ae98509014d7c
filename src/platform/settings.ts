import { z } from 'zod';

/** A setting that is missing or malformed; the message names the variable. The process exits with 1. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * The zod building blocks of environment settings, shared by `config.ts` and the modules that keep the settings of
 * their own code next to it (rate limits, trusted proxies, HTTP timeouts). An empty variable counts as unset.
 */
export const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** A whole number between `min` and `max`; `fallback` when unset. */
export const intSetting = (min: number, max: number, fallback: number) =>
  z.preprocess(blankToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

/** A URL of one of `protocols`; optional. */
export const urlSetting = (protocols: readonly string[]) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine((v) => URL.canParse(v) && protocols.includes(new URL(v).protocol), { message: `must be a ${protocols.join(' or ')} URL` })
      .optional(),
  );
