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

export const readFailures = async (sql: Sql, subjects: LoginSubjects): Promise<{ account: FailureWindow; address: FailureWindow }> => {
  const { rows } = await sql.query<{ subject: string; failures: number; window_started_at: Date }>(
    `select subject, failures, window_started_at from identity.login_failures where subject = any($1::text[])`,
    [[subjects.account, subjects.address]],
  );
  const of = (subject: string): FailureWindow => {
    const row = rows.find((r) => r.subject === subject);
    return row ? { failures: row.failures, windowStartedAt: row.window_started_at } : null;
  };
  return { account: of(subjects.account), address: of(subjects.address) };
};

/**
 * Counts one failure for each subject: one conditional upsert per subject adds to the current window, or starts a
 * new window when the stored one has ended, so concurrent failures on several instances are all counted.
 */
export const recordFailure = async (sql: Sql, subjects: LoginSubjects, now: Date, windowS: number): Promise<void> => {
  await sql.query(
    `insert into identity.login_failures as f (subject, failures, window_started_at)
     select subject, 1, $2::timestamptz from unnest($1::text[]) as subject
     on conflict (subject) do update set
       failures = case when f.window_started_at <= $2::timestamptz - make_interval(secs => $3) then 1 else f.failures + 1 end,
       window_started_at = case when f.window_started_at <= $2::timestamptz - make_interval(secs => $3) then $2::timestamptz else f.window_started_at end`,
    [[subjects.account, subjects.address], now, windowS],
  );
  await sql.query(
    `delete from identity.login_failures where subject in (
       select subject from identity.login_failures where window_started_at <= $1::timestamptz - make_interval(secs => $2)
       limit ${PURGE_BATCH} for update skip locked)`,
    [now, windowS],
  );
};
