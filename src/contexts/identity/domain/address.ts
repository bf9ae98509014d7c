import { Conflict, NotFound } from '../../../shared-kernel/errors';
import type { PostalAddress } from '../../../shared-kernel/postal-address';

/**
 * A customer's address book is plain state, without events: addresses are personal data that must be erasable,
 * which an append-only log is not, and no other context reacts to them (checkout copies the address it ships to).
 */

/** Enough for home, work and a few relatives; bounds what one account can store. */
export const MAX_ADDRESSES = 20;

export type AddressFields = PostalAddress & { phone?: string };

export type Address = AddressFields & { id: string; isDefault: boolean };

/** A change to an address: absent fields stay as they are, `null` clears an optional one. */
export type AddressChanges = Partial<Omit<AddressFields, 'line2' | 'phone'>> & {
  line2?: string | null;
  phone?: string | null;
  isDefault?: boolean;
};

/** What adding an address needs to know about the book it joins. */
export type AddressBook = { count: number; hasDefault: boolean };

export class AddressNotFound extends NotFound {
  constructor(addressId: string) {
    super('identity.address_not_found', 'no address with this id in your address book', { addressId });
  }
}

export class AddressBookFull extends Conflict {
  constructor() {
    super('identity.address_book_full', `an address book holds at most ${MAX_ADDRESSES} addresses; remove one first`, {
      max: MAX_ADDRESSES,
    });
  }
}

/** Admits a new address: refused when the book is full; it is the default when asked, or when it is the first one. */
export const admitAddress = (book: AddressBook, requestedDefault: boolean | undefined): { isDefault: boolean } => {
  if (book.count >= MAX_ADDRESSES) throw new AddressBookFull();
  return { isDefault: requestedDefault ?? !book.hasDefault };
};

/** The address after `changes`. */
export const reviseAddress = (address: Address, changes: AddressChanges): Address => {
  const { line2, phone, isDefault, ...required } = changes;
  const next: Address = { ...address, ...required, isDefault: isDefault ?? address.isDefault };
  if (line2 !== undefined) next.line2 = line2 ?? undefined;
  if (phone !== undefined) next.phone = phone ?? undefined;
  if (next.line2 === undefined) delete next.line2;
  if (next.phone === undefined) delete next.phone;
  return next;
};
