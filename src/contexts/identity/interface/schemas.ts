import { z } from 'zod';
import { EmailAddress, SingleLineText } from '../../../platform/http/text-schemas';

/** What a new account is made of (register, staff accounts); passwords are only ever hashed, so any character goes. */
export const NewAccountFields = {
  email: EmailAddress,
  password: z.string().min(8).max(128),
  name: SingleLineText(100),
};
