import { Injectable } from '@nestjs/common';
import { CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { newId } from '../../../shared-kernel/ids';
import { ensureNotCommon } from '../domain/password';
import { EmailTaken, accountEmail, register, Role, userStream } from '../domain/user';
import { commonPasswords } from './common-passwords';
import { PasswordHasher } from './ports';
import { getUserByEmail, insertUser, Profile, toProfile } from './users';

export type RegisterUser = { email: string; password: string; name: string; role?: Role };

/**
 * Creates an account (a customer registering, or staff created by an admin); the row and its UserRegistered event
 * commit together (the event store is the outbox). A commonly used password is refused before anything is written.
 */
@Injectable()
export class RegisterUserHandler {
  constructor(
    private readonly db: Database,
    private readonly events: EventStore,
    private readonly hasher: PasswordHasher,
  ) {}

  async execute(cmd: RegisterUser, meta: CommandMeta): Promise<Profile> {
    const email = accountEmail(cmd.email);
    ensureNotCommon(cmd.password, await commonPasswords());
    const passwordHash = await this.hasher.hash(cmd.password); // slow on purpose: outside the transaction
    return this.db.transaction(async (tx) => {
      const existing = await getUserByEmail(tx, email);
      const event = register(existing && { userId: existing.id, role: existing.role }, {
        userId: newId(),
        email,
        name: cmd.name,
        role: cmd.role ?? 'customer',
        now: meta.now,
      });
      const { userId, name, role } = event.data;
      const inserted = await insertUser(tx, { id: userId, email, name, role, passwordHash, createdAt: meta.now });
      if (!inserted) throw new EmailTaken(email); // a concurrent registration committed first
      await this.events.append(userStream(userId), [event], { expectedVersion: 'no_stream', meta, tx });
      return toProfile({ id: userId, email, name, role });
    });
  }
}
