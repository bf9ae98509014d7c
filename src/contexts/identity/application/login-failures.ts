import { createHash } from 'node:crypto';
import type { Database, Sql } from '../../../platform/persistence/database';
import { type FailureCount, type LoginAttemptRecord, withoutClaim } from '../domain/login-throttle';

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
 * A failure an admitted attempt counted for `subject` before its password was checked. `seen`: the count it was
 * judged by; `version`: the row version the claim wrote (its `xmin`), which changes with any later write to the row.
 */
export type Claim = { subject: string; seen: FailureCount; version: string };

/**
 * Counts an admitted attempt as a failure of each subject before its password is checked, only if each subject's count
 * is still the one the attempt was judged by, none included (compare-and-set, all or none). Null when a concurrent
 * attempt changed one first: the caller judges again with the new counts, so concurrent guesses cannot all slip under
 * a limit. Subjects come in the order pair, account; every writer locks them in the order pair, account, address
 * (`releaseClaims` too), so attempts never deadlock.
 */
export const claimAttempt = async (
  db: Database,
  subjects: { subject: string; seen: FailureCount }[],
  now: Date,
  forgetAfterS: number,
): Promise<Claim[] | null> => {
  try {
    return await db.transaction(async (tx) => {
      const claims: Claim[] = [];
      for (const { subject, seen } of subjects) {
        const { rows } = seen
          ? await tx.query<{ version: string }>(
              `update identity.login_failures as f set ${ADD_FAILURE}
               where f.subject = $1 and f.failures = $4::int and f.last_failure_at = $5::timestamptz
               returning f.xmin::text as version`,
              [subject, now, forgetAfterS, seen.failures, seen.lastFailureAt],
            )
          : await tx.query<{ version: string }>(
              `insert into identity.login_failures (subject, failures, last_failure_at) values ($1, 1, $2)
               on conflict (subject) do nothing
               returning xmin::text as version`,
              [subject, now],
            );
        if (!rows[0]) throw new CountsChanged();
        claims.push({ subject, seen, version: rows[0].version });
      }
      return claims;
    });
  } catch (error) {
    if (error instanceof CountsChanged) return null;
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
 * A successful login: the pair's failures are cleared (its owner has proven themselves from there), the other claims
 * of the attempt (the account's, for a source that is not known) are given back, and the pair becomes (or stays) a
 * known source. Sources not seen for `knownSourceDays` are removed a few at a time. Run in a transaction.
 */
export const recordSuccess = async (
  tx: Sql,
  subjects: LoginSubjects,
  options: { claims: Claim[]; knownSourceDays: number },
  now: Date,
): Promise<void> => {
  await tx.query('delete from identity.login_failures where subject = $1', [subjects.pair]);
  const otherClaims = options.claims.filter((claim) => claim.subject !== subjects.pair);
  await releaseClaims(tx, otherClaims);
  await tx.query(
    `insert into identity.known_login_sources as k (source, last_success_at) values ($1, $2)
     on conflict (source) do update set last_success_at = greatest(k.last_success_at, excluded.last_success_at)`,
    [subjects.pair, now],
  );
  await tx.query(
    `delete from identity.known_login_sources where source in (
       select source from identity.known_login_sources where last_success_at <= $1::timestamptz - make_interval(days => $2)
       limit ${PURGE_BATCH} for update skip locked)`,
    [now, options.knownSourceDays],
  );
};

/**
 * Gives back what claims counted: the attempt turned out not to be a failure (it succeeded, or its password could not
 * be checked). Run in a transaction; subjects are locked one at a time in the claims' order (pair, then account), as
 * `claimAttempt` locks them.
 */
export const releaseClaims = async (tx: Sql, claims: Claim[]): Promise<void> => {
  for (const claim of claims) {
    const { rows } = await tx.query<FailureRow & { unchanged: boolean }>(
      `select subject, failures, last_failure_at, xmin::text = $2 as unchanged from identity.login_failures where subject = $1 for update`,
      [claim.subject, claim.version],
    );
    const row = rows[0];
    if (!row) continue;
    const current = { failures: row.failures, lastFailureAt: row.last_failure_at };
    const after = withoutClaim(current, claim.seen, row.unchanged);
    if (after) {
      await tx.query('update identity.login_failures set failures = $2, last_failure_at = $3 where subject = $1', [
        claim.subject,
        after.failures,
        after.lastFailureAt,
      ]);
    } else {
      await tx.query('delete from identity.login_failures where subject = $1', [claim.subject]);
    }
  }
};
