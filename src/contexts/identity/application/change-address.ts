import { Injectable } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { isUuid } from '../../../shared-kernel/ids';
import { Address, AddressChanges, AddressNotFound, reviseAddress } from '../domain/address';
import { clearDefault, getAddressForUpdate, lockAddressBook, updateAddress } from './addresses';

export type ChangeAddress = { userId: string; addressId: string; changes: AddressChanges };

/** Changes an address of the caller's book; making it the default takes that role from the previous default. */
@Injectable()
export class ChangeAddressHandler {
  constructor(private readonly db: Database) {}

  async execute(cmd: ChangeAddress, meta: CommandMeta): Promise<Address> {
    if (!isUuid(cmd.addressId)) throw new AddressNotFound(cmd.addressId);
    return this.db.transaction(async (tx) => {
      if (!(await lockAddressBook(tx, cmd.userId))) throw new AddressNotFound(cmd.addressId);
      const current = await getAddressForUpdate(tx, cmd.userId, cmd.addressId);
      if (!current) throw new AddressNotFound(cmd.addressId);
      const next = reviseAddress(current, cmd.changes);
      if (next.isDefault && !current.isDefault) await clearDefault(tx, cmd.userId, next.id);
      await updateAddress(tx, cmd.userId, next, meta.now);
      return next;
    });
  }
}
