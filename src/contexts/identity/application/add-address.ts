import { Injectable } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { newId } from '../../../shared-kernel/ids';
import { Address, AddressFields, admitAddress } from '../domain/address';
import { UserNotFound } from '../domain/user';
import { clearDefault, insertAddress, lockAddressBook } from './addresses';

export type AddAddress = { userId: string; address: AddressFields; isDefault?: boolean };

/** Adds an address to the caller's book (at most MAX_ADDRESSES); the first one, or one asked to be, is the default. */
@Injectable()
export class AddAddressHandler {
  constructor(private readonly db: Database) {}

  async execute(cmd: AddAddress, meta: CommandMeta): Promise<Address> {
    return this.db.transaction(async (tx) => {
      const book = await lockAddressBook(tx, cmd.userId);
      if (!book) throw new UserNotFound(cmd.userId);
      const { isDefault } = admitAddress(book, cmd.isDefault);
      const address: Address = { ...cmd.address, id: newId(), isDefault };
      if (isDefault) await clearDefault(tx, cmd.userId, address.id);
      await insertAddress(tx, cmd.userId, address, meta.now);
      return address;
    });
  }
}
