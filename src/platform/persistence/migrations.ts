import type { Database, Migration, Sql } from './database';

/** Arbitrary but fixed: every process migrating this database serializes on it. */
const MIGRATION_LOCK = 7_104_512_001;

const lock = (tx: Sql) => tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);

/**
 * Applies the migrations not yet recorded in `public.schema_migrations`, in id order, each in its own transaction
 * under a transaction-level advisory lock, so processes starting together apply each migration exactly once.
 * Returns the ids applied now.
 */
export const runMigrations = async (db: Database, migrations: readonly Migration[]): Promise<string[]> => {
  const sorted = [...migrations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].id === sorted[i - 1].id) throw new Error(`duplicate migration id ${sorted[i].id}`);
  }

  const applied = await db.transaction(async (tx) => {
    await lock(tx);
    await tx.query(`create table if not exists public.schema_migrations (
      id text primary key,
      applied_at timestamptz not null default now()
    )`);
    const { rows } = await tx.query<{ id: string }>('select id from public.schema_migrations');
    return new Set(rows.map((r) => r.id));
  });

  const appliedNow: string[] = [];
  for (const migration of sorted) {
    if (applied.has(migration.id)) continue;
    const ran = await db.transaction(async (tx) => {
      await lock(tx);
      // another process may have applied it while we waited for the lock
      const { rowCount } = await tx.query('select 1 from public.schema_migrations where id = $1', [migration.id]);
      if (rowCount) return false;
      try {
        await tx.query(migration.sql);
      } catch (error) {
        throw new Error(`migration ${migration.id} failed: ${(error as Error).message}`, { cause: error });
      }
      await tx.query('insert into public.schema_migrations (id) values ($1)', [migration.id]);
      return true;
    });
    if (ran) appliedNow.push(migration.id);
  }
  return appliedNow;
};
