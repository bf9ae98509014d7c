import { Injectable } from '@nestjs/common';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { newId } from '../../../shared-kernel/ids';
import { InvalidCredentials, normalizeEmail } from '../domain/user';
import { PasswordHasher } from './ports';
import { Session, Sessions } from './sessions';
import { getUserByEmail, toProfile } from './users';

export type LogIn = { email: string; password: string };

/** Checks the password and starts a session (access token + a refresh token of a new family). */
@Injectable()
export class LogInHandler {
  /** A real hash of a random password, verified against when the email is unknown so both paths take as long. */
  private dummyHash?: Promise<string>;

  constructor(
    private readonly db: Database,
    private readonly hasher: PasswordHasher,
    private readonly sessions: Sessions,
  ) {}

  async execute(cmd: LogIn, meta: CommandMeta): Promise<Session> {
    const user = await getUserByEmail(this.db, normalizeEmail(cmd.email));
    if (!user) {
      this.dummyHash ??= this.hasher.hash(newId());
      await this.hasher.verify(await this.dummyHash, cmd.password);
      throw new InvalidCredentials();
    }
    if (!(await this.hasher.verify(user.passwordHash, cmd.password))) throw new InvalidCredentials();
    return this.sessions.issue(this.db, toProfile(user), meta.now);
  }
}
