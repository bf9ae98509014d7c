import { createHash } from 'node:crypto';
import type { Database, Sql } from '../../../platform/persistence/database';
import type { FailureCount, LoginAttemptRecord } from '../domain/login-throttle';

/**
 * `identity.login_failures` counts failed logins per subject and `identity.known_login_sources` remembers which
 * (account, address) pairs logged in successfully, both in PostgreSQL so every instance sharing the database sees
 * the same. Emails are stored only inside hashes: people type passwords into the email field.
 */
export type LoginSubjects = { pair: string; account: string; address: string };

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * `network`: the client's address as requests are counted per address (an IPv6 address by its /64, which one
 * customer or host gets whole, so hopping between its addresses gains nothing).
 */
export const loginSubjects = (normalizedEmail: string, network: string): LoginSubjects => {
  return {
    pair: `pair:${sha256(`${normalizedEmail}\n${network}`)}`,
    account: `account:${sha256(normalizedEmail)}`,
    address: `address:${network}`,
  };
};

/** Stale rows removed per write: the tables stay as small as the recent failures and successes. */
const PURGE_BATCH = 20;

type FailureRow = { subject: string; failures: number; last_failure_at: Date };

/** The counts of the three subjects and the pair's last successful login: what the verdict is made of. */
export const readLoginRecord = async (sql: Sql, subjects: LoginSubjects): Promise<LoginAttemptRecord> => {
  const { rows } = await sql.query<FailureRow>(
    'select subject, failures, last_failure_at from identity.login_failures where subject = any($1::text[])',
    [[subjects.pair, subjects.account, subjects.address]],
  );
  const { rows: known } = await sql.query<{ last_success_at: Date }>(
    'select last_success_at from identity.known_login_sources where source = $1',
    [subjects.pair],
  );
  const countOf = (subject: string): FailureCount => {
    const row = rows.find((r) => r.subject === subject);
    return row ? { failures: row.failures, lastFailureAt: row.last_failure_at } : null;
  };
  return {
    pair: countOf(subjects.pair),
    account: countOf(subjects.account),
    address: countOf(subjects.address),
    knownSince: known[0]?.last_success_at ?? null,
  };
};

/** One more failure, or a new count of 1 when the stored ones are forgotten (as `isForgotten` decides). $2: now, $3: forgetAfterS. */
const ADD_FAILURE = `failures = case when f.last_failure_at <= $2::timestamptz - make_interval(secs => $3) then 1 else f.failures + 1 end,
    last_failure_at = greatest(f.last_failure_at, $2::timestamptz)`;

class CountsChanged extends Error {}

/**
 * Counts an admitted attempt as a failure of `claims` before its password is checked, only if each subject's count is
 * still the one the attempt was judged by (compare-and-set, all or none). False when a concurrent attempt changed one
 * first: the caller judges again with the new counts, so concurrent guesses cannot all slip under a limit. Subjects
 * are always locked in the order pair, account, address, so attempts never deadlock.
 */
export const claimAttempt = async (
  db: Database,
  claims: { subject: string; seen: FailureCount }[],
  now: Date,
  forgetAfterS: number,
): Promise<boolean> => {
  try {
    await db.transaction(async (tx) => {
      for (const { subject, seen } of claims) {
        const { rowCount } = await tx.query(
          `insert into identity.login_failures as f (subject, failures, last_failure_at) values ($1, 1, $2)
           on conflict (subject) do update set ${ADD_FAILURE}
           where f.failures = $4::int and f.last_failure_at = $5::timestamptz`,
          [subject, now, forgetAfterS, seen?.failures ?? null, seen?.lastFailureAt ?? null],
        );
        if (rowCount === 0) throw new CountsChanged();
      }
    });
    return true;
  } catch (error) {
    if (error instanceof CountsChanged) return false;
    throw error;
  }
};

/** Counts a failed attempt for the subjects its claim did not cover; removes some long-forgotten counts. */
export const recordFailures = async (sql: Sql, subjects: string[], now: Date, forgetAfterS: number): Promise<void> => {
  await sql.query(
    `insert into identity.login_failures as f (subject, failures, last_failure_at)
     select subject, 1, $2::timestamptz from unnest($1::text[]) with ordinality as s(subject, position) order by position
     on conflict (subject) do update set ${ADD_FAILURE}`,
    [subjects, now, forgetAfterS],
  );
  await sql.query(
    `delete from identity.login_failures where subject in (
       select subject from identity.login_failures where last_failure_at <= $1::timestamptz - make_interval(secs => $2)
       limit ${PURGE_BATCH} for update skip locked)`,
    [now, forgetAfterS],
  );
};

/**
 * A successful login: the pair's failures are cleared (its owner has proven themselves from there), the failure the
 * account's count took in the claim is given back, and the pair becomes (or stays) a known source. Sources not seen
 * for `knownSourceDays` are removed a few at a time.
 */
export const recordSuccess = async (
  sql: Sql,
  subjects: LoginSubjects,
  options: { accountClaimed: boolean; knownSourceDays: number },
  now: Date,
): Promise<void> => {
  await sql.query('delete from identity.login_failures where subject = $1', [subjects.pair]);
  if (options.accountClaimed) await releaseClaims(sql, [subjects.account]);
  await sql.query(
    `insert into identity.known_login_sources as k (source, last_success_at) values ($1, $2)
     on conflict (source) do update set last_success_at = greatest(k.last_success_at, excluded.last_success_at)`,
    [subjects.pair, now],
  );
  await sql.query(
    `delete from identity.known_login_sources where source in (
       select source from identity.known_login_sources where last_success_at <= $1::timestamptz - make_interval(days => $2)
       limit ${PURGE_BATCH} for update skip locked)`,
    [now, options.knownSourceDays],
  );
};

/** Gives back the failure a claim counted for each subject: the attempt turned out not to be one (it succeeded, or the password could not be checked). */
export const releaseClaims = async (sql: Sql, subjects: string[]): Promise<void> => {
  await sql.query(
    `with released as (
       update identity.login_failures set failures = failures - 1 where subject = any($1::text[]) and failures > 1 returning subject)
     delete from identity.login_failures
      where subject = any($1::text[]) and failures = 1 and subject not in (select subject from released)`,
    [subjects],
  );
};
