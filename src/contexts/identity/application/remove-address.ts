import { Injectable } from '@nestjs/common';
import { Database } from '../../../platform/persistence/database';
import { isUuid } from '../../../shared-kernel/ids';
import { AddressNotFound } from '../domain/address';
import { deleteAddress } from './addresses';

export type RemoveAddress = { userId: string; addressId: string };

/** Removes an address from the caller's book. Removing the default leaves the book without one until one is chosen. */
@Injectable()
export class RemoveAddressHandler {
  constructor(private readonly db: Database) {}

  async execute(cmd: RemoveAddress): Promise<void> {
    if (!isUuid(cmd.addressId)) throw new AddressNotFound(cmd.addressId);
    if (!(await deleteAddress(this.db, cmd.userId, cmd.addressId))) throw new AddressNotFound(cmd.addressId);
  }
}
