import { z } from 'zod';

/** No control characters: they are junk in a name or an address, and PostgreSQL refuses NUL in text outright. */
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

/** A trimmed, non-empty, single-line text of at most `max` characters. */
export const text = (max: number) => z.string().trim().min(1).max(max).regex(NO_CONTROL_CHARACTERS, 'must not contain control characters');

/** What a new account is made of (register, staff accounts); passwords are only ever hashed, so any character goes. */
export const NewAccountFields = {
  email: z.email().max(254),
  password: z.string().min(8).max(128),
  name: text(100),
};
