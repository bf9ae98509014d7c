import { Injectable, OnModuleInit } from '@nestjs/common';
import { Config } from '../../../platform/config';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { newId } from '../../../shared-kernel/ids';
import { judgeLoginAttempt, TooManyLoginAttempts } from '../domain/login-throttle';
import { InvalidCredentials, normalizeEmail } from '../domain/user';
import { loginSubjects, recordAddressFailure, releaseAttempt, reserveAttempt } from './login-failures';
import { PasswordHasher } from './ports';
import { Session, Sessions } from './sessions';
import { getUserByEmail, Profile, toProfile } from './users';

/** `clientAddress`: the connection's address as the HTTP server sees it (failures are also counted per address). */
export type LogIn = { email: string; password: string; clientAddress: string };

/**
 * Checks the password and starts a session (access token + a refresh token of a new family). Failed attempts are
 * throttled per email and per client address (429 `auth.too_many_attempts`); an unknown email is answered, timed
 * and counted exactly like a wrong password.
 */
@Injectable()
export class LogInHandler implements OnModuleInit {
  /** A real hash of a random password, verified against when the email is unknown so both paths take as long. */
  private dummyHash?: Promise<string>;

  constructor(
    private readonly db: Database,
    private readonly hasher: PasswordHasher,
    private readonly sessions: Sessions,
    private readonly config: Config,
  ) {}

  onModuleInit(): void {
    this.dummyHash ??= this.hasher.hash(newId());
  }

  async execute(cmd: LogIn, meta: CommandMeta): Promise<{ session: Session; user: Profile }> {
    const email = normalizeEmail(cmd.email);
    const subjects = loginSubjects(email, cmd.clientAddress);
    // counted as a failure until it proves otherwise: concurrent guesses cannot all pass the check before any is counted
    const before = await reserveAttempt(this.db, subjects, meta.now, this.config.loginThrottle.windowS);
    const verdict = judgeLoginAttempt(before, this.config.loginThrottle, meta.now);
    if (verdict.outcome === 'throttled') {
      await releaseAttempt(this.db, subjects);
      throw new TooManyLoginAttempts(verdict.retryAfterSeconds);
    }

    const user = await getUserByEmail(this.db, email);
    this.dummyHash ??= this.hasher.hash(newId());
    const passwordMatches = await this.hasher
      .verify(user?.passwordHash ?? (await this.dummyHash), cmd.password)
      .catch(async (error: unknown) => {
        // no answer about the password (the hasher is busy: 503): the attempt must not count as a failure
        await releaseAttempt(this.db, subjects);
        throw error;
      });
    if (!user || !passwordMatches) {
      await recordAddressFailure(this.db, subjects, meta.now, this.config.loginThrottle.windowS);
      throw new InvalidCredentials();
    }
    await releaseAttempt(this.db, subjects);
    const profile = toProfile(user);
    return { session: await this.sessions.issue(this.db, profile, meta.now), user: profile };
  }
}
