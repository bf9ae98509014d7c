import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { Config } from '../../../platform/config';
import { Bulkhead } from '../../../platform/bulkhead';
import { PasswordHasher } from '../application/ports';

/** OWASP's argon2id minimum: 19 MiB of memory, 2 passes, 1 lane. */
export const ARGON2_OPTIONS = {
  algorithm: 2, // Algorithm.Argon2id (a const enum in the typings, so its value is written here)
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** A hash takes about 50 ms of one core: a full queue is worked off within a few seconds. */
const RETRY_AFTER_S = 2;

/**
 * argon2id through @node-rs/argon2 (off the event loop, on libuv's thread pool), at most
 * PASSWORD_HASH_CONCURRENCY hashes and verifications at once: a flood of registrations or logins waits in a bounded
 * queue instead of taking every core, and past PASSWORD_HASH_QUEUE_MAX waiting it is answered 503
 * `identity.password_hashing_busy` with Retry-After.
 */
@Injectable()
export class Argon2PasswordHasher extends PasswordHasher {
  private readonly bulkhead: Bulkhead;

  constructor(config: Config) {
    super();
    this.bulkhead = new Bulkhead({
      ...config.passwordHashing,
      refusal: {
        code: 'identity.password_hashing_busy',
        detail: 'too many sign-ins and registrations at once; retry shortly',
        retryAfterSeconds: RETRY_AFTER_S,
      },
    });
  }

  hash(password: string): Promise<string> {
    return this.bulkhead.run(() => hash(password, ARGON2_OPTIONS));
  }

  verify(passwordHash: string, password: string): Promise<boolean> {
    return this.bulkhead.run(async () => {
      try {
        return await verify(passwordHash, password);
      } catch {
        return false;
      }
    });
  }
}
