import { Injectable } from '@nestjs/common';
import { CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { newId } from '../../../shared-kernel/ids';
import { ensureNotCommon } from '../domain/password';
import { ensureAdmin, accountEmail, userStream } from '../domain/user';
import { commonPasswords } from './common-passwords';
import { PasswordHasher } from './ports';
import { getUserByEmail, insertUser, setPasswordHash, setRole } from './users';

export type EnsureAdmin = { email: string; password: string; name?: string };

/**
 * Run at start when ORDERLY_ADMIN_EMAIL/PASSWORD are set: creates that admin, or promotes it and sets its password.
 * A commonly used password is refused (PasswordTooCommon stops the start), also when the admin already has it: the
 * most powerful account must not fall to the first guesses.
 */
@Injectable()
export class EnsureAdminHandler {
  constructor(
    private readonly db: Database,
    private readonly events: EventStore,
    private readonly hasher: PasswordHasher,
  ) {}

  /** Returns what changed, for the start-up log. */
  async execute(cmd: EnsureAdmin, meta: CommandMeta): Promise<'created' | 'updated' | 'unchanged'> {
    const email = accountEmail(cmd.email);
    ensureNotCommon(cmd.password, await commonPasswords());
    const current = await getUserByEmail(this.db, email);
    const passwordMatches = current ? await this.hasher.verify(current.passwordHash, cmd.password) : false;
    const passwordHash = passwordMatches ? undefined : await this.hasher.hash(cmd.password);
    const newHash = async () => passwordHash ?? this.hasher.hash(cmd.password);

    return this.db.transaction(async (tx) => {
      const user = await getUserByEmail(tx, email, { forUpdate: true });
      const userId = user?.id ?? newId();
      const events = ensureAdmin(user && { userId: user.id, role: user.role }, {
        userId,
        email,
        name: cmd.name ?? 'Administrator',
        passwordMatches: !!user && passwordMatches,
        now: meta.now,
      });
      if (events.length === 0) return 'unchanged';
      for (const event of events) {
        if (event.type === 'UserRegistered') {
          const inserted = await insertUser(tx, {
            id: userId,
            email,
            name: event.data.name,
            role: 'admin',
            passwordHash: await newHash(),
            createdAt: meta.now,
          });
          if (!inserted) throw new Error(`admin ${email} was registered concurrently; start again`);
        }
        if (event.type === 'UserRoleAssigned') await setRole(tx, userId, event.data.role);
        if (event.type === 'PasswordChanged') await setPasswordHash(tx, userId, await newHash());
      }
      await this.events.append(userStream(userId), events, { expectedVersion: user ? 'any' : 'no_stream', meta, tx });
      return user ? 'updated' : 'created';
    });
  }
}
