import { createHash } from 'node:crypto';
import type { Sql } from '../../../platform/persistence/database';
import type { FailureWindow } from '../domain/login-throttle';

/**
 * `identity.login_failures`: failed logins per subject in PostgreSQL, so every instance sharing the database
 * counts the same attempts. The email is stored only as a hash: people type passwords into the email field.
 */
export type LoginSubjects = { account: string; address: string };

export const loginSubjects = (normalizedEmail: string, clientAddress: string): LoginSubjects => ({
  account: `account:${createHash('sha256').update(normalizedEmail, 'utf8').digest('hex')}`,
  address: `address:${clientAddress}`,
});

/** Stale rows removed per recorded failure: the table stays as small as the attempts of one window. */
const PURGE_BATCH = 20;

const countFailure = `insert into identity.login_failures as f (subject, failures, window_started_at)
  select subject, 1, $2::timestamptz from unnest($1::text[]) as subject
  on conflict (subject) do update set
    failures = case when f.window_started_at <= $2::timestamptz - make_interval(secs => $3) then 1 else f.failures + 1 end,
    window_started_at = case when f.window_started_at <= $2::timestamptz - make_interval(secs => $3) then $2::timestamptz else f.window_started_at end
  returning subject, failures, window_started_at`;

/**
 * Before the password is checked: the attempt counts as a failure of the account at once (one atomic upsert that
 * returns the count as it was), so concurrent guesses at one account each see the ones before them and cannot all slip
 * under the limit; the address's count is read. A successful or refused attempt gives the account's count back
 * (`releaseAttempt`); a failed one adds to the address (`recordAddressFailure`). Addresses are counted after the fact,
 * so many customers signing in at once behind one address never throttle each other.
 */
export const reserveAttempt = async (
  sql: Sql,
  subjects: LoginSubjects,
  now: Date,
  windowS: number,
): Promise<{ account: FailureWindow; address: FailureWindow }> => {
  const { rows } = await sql.query<{ failures: number; window_started_at: Date }>(countFailure, [[subjects.account], now, windowS]);
  const { rows: address } = await sql.query<{ failures: number; window_started_at: Date }>(
    'select failures, window_started_at from identity.login_failures where subject = $1',
    [subjects.address],
  );
  await sql.query(
    `delete from identity.login_failures where subject in (
       select subject from identity.login_failures where window_started_at <= $1::timestamptz - make_interval(secs => $2)
       limit ${PURGE_BATCH} for update skip locked)`,
    [now, windowS],
  );
  const account = rows[0];
  return {
    account: account.failures > 1 ? { failures: account.failures - 1, windowStartedAt: account.window_started_at } : null,
    address: address[0] ? { failures: address[0].failures, windowStartedAt: address[0].window_started_at } : null,
  };
};

export const recordAddressFailure = async (sql: Sql, subjects: LoginSubjects, now: Date, windowS: number): Promise<void> => {
  await sql.query(countFailure, [[subjects.address], now, windowS]);
};

/** Gives back the account's count `reserveAttempt` took, for an attempt that did not fail (it succeeded, or was never tried). */
export const releaseAttempt = async (sql: Sql, subjects: LoginSubjects): Promise<void> => {
  await sql.query(
    `with released as (
       update identity.login_failures set failures = failures - 1 where subject = $1 and failures > 1 returning subject)
     delete from identity.login_failures where subject = $1 and failures = 1 and not exists (select 1 from released)`,
    [subjects.account],
  );
};
