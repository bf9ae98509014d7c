import { uuidv7 } from 'uuidv7';

/** Time-ordered UUIDv7: new rows land at the end of b-tree indexes. */
export const newId = (): string => uuidv7();

export const isUuid = (value: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
