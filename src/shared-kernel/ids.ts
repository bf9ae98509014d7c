import { createHash } from 'node:crypto';
import { uuidv7 } from 'uuidv7';

/** Time-ordered UUIDv7: new rows land at the end of b-tree indexes. */
export const newId = (): string => uuidv7();

export const isUuid = (value: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/** Formats a hex digest (≥ 32 digits) as a UUID of the given version with the RFC variant bits. */
export const uuidFromDigest = (hex: string, version: '5' | '8'): string => {
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${version}${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** The same name always gives the same UUID (SHA-1, version 5 shape): ids derived from other ids. */
export const nameBasedId = (name: string): string => uuidFromDigest(createHash('sha1').update(name).digest('hex'), '5');
