import type { TextRule } from './text';

/** Where a parcel goes: one shape for the checkout, the address book and shipping. */
export type PostalAddress = {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2, upper case */
  country: string;
};

/** The text rule of each free-text field of an address: one line each (see text.ts). */
export const POSTAL_ADDRESS_TEXT = {
  name: { kind: 'line', min: 1, max: 200 },
  line1: { kind: 'line', min: 1, max: 200 },
  line2: { kind: 'line', min: 1, max: 200 },
  city: { kind: 'line', min: 1, max: 100 },
  postalCode: { kind: 'line', min: 1, max: 20 },
} as const satisfies Record<string, TextRule>;
