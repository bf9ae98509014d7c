import { Injectable, OnModuleInit } from '@nestjs/common';
import { Config } from '../../../platform/config';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { newId } from '../../../shared-kernel/ids';
import { judgeLoginAttempt, TooManyLoginAttempts } from '../domain/login-throttle';
import { InvalidCredentials, accountEmail } from '../domain/user';
import {
  Claim,
  claimAttempt,
  LoginSubjects,
  loginSubjects,
  readLoginRecord,
  recordFailures,
  recordSuccess,
  releaseClaims,
} from './login-failures';
import { PasswordHasher } from './ports';
import { Session, Sessions } from './sessions';
import { getUserByEmail, Profile, toProfile } from './users';

/** `clientNetwork`: the client's address as requests are counted per address (failures are counted per network too). */
export type LogIn = { email: string; password: string; clientNetwork: string };

/** Rounds of judge-and-claim before an attempt racing many others at one account is throttled outright. */
const MAX_CLAIM_ROUNDS = 5;

/**
 * Checks the password and starts a session (access token + a refresh token of a new family). Failed attempts slow
 * the next ones per account at an address, per account and per address (429 `auth.too_many_attempts`, see
 * `judgeLoginAttempt`); an unknown email is answered, timed and counted exactly like a wrong password.
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
    const email = accountEmail(cmd.email);
    const subjects = loginSubjects(email, cmd.clientNetwork);
    const { knownSource, claims } = await this.admit(subjects, meta.now);

    const user = await getUserByEmail(this.db, email);
    this.dummyHash ??= this.hasher.hash(newId());
    const passwordMatches = await this.hasher
      .verify(user?.passwordHash ?? (await this.dummyHash), cmd.password)
      .catch(async (error: unknown) => {
        // no answer about the password (the hasher is busy: 503): the attempt must not count as a failure
        await this.db.transaction((tx) => releaseClaims(tx, claims));
        throw error;
      });
    if (!user || !passwordMatches) {
      // the claim counted the pair (and the account, for an unknown source); the rest is counted now
      const uncounted = knownSource ? [subjects.account, subjects.address] : [subjects.address];
      await recordFailures(this.db, uncounted, meta.now, this.config.loginThrottle.forgetAfterS);
      throw new InvalidCredentials();
    }
    const profile = toProfile(user);
    const session = await this.db.transaction(async (tx) => {
      await recordSuccess(tx, subjects, { claims, knownSourceDays: this.config.loginThrottle.knownSourceDays }, meta.now);
      return this.sessions.issue(tx, profile, meta.now);
    });
    return { session, user: profile };
  }

  /**
   * Judges the attempt and, when it may go ahead, counts it as a failure before the (slow) password check: a
   * compare-and-set on the very counts it was judged by, so concurrent guesses each see the ones before them and
   * cannot all slip under a limit. Addresses are counted after a failure only, so customers signing in at once
   * behind one address never hold each other up.
   */
  private async admit(subjects: LoginSubjects, now: Date): Promise<{ knownSource: boolean; claims: Claim[] }> {
    const settings = this.config.loginThrottle;
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
      const record = await readLoginRecord(this.db, subjects);
      const verdict = judgeLoginAttempt(record, settings, now);
      if (verdict.outcome === 'throttled') throw new TooManyLoginAttempts(verdict.retryAfterSeconds);
      const claims = [{ subject: subjects.pair, seen: record.pair }];
      if (!verdict.knownSource) claims.push({ subject: subjects.account, seen: record.account });
      const claimed = await claimAttempt(this.db, claims, now, settings.forgetAfterS);
      if (claimed) return { knownSource: verdict.knownSource, claims: claimed };
    }
    throw new TooManyLoginAttempts(settings.baseDelayS);
  }
}
