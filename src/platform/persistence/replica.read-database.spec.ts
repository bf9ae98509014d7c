import type { QueryResultRow } from 'pg';
import { describe, expect, it } from 'vitest';
import { Database } from './database';
import { toUnavailable } from './pg.database';
import { REPLAY_POSITION_MAX_AGE_MS, REPLICA_RETRY_AFTER_MS, ReplicaReadDatabase } from './replica.read-database';
import { InProcessWritePositions } from './write-positions';

type Answer = (text: string) => QueryResultRow[];

/** A database that answers each statement with `answer` (which may throw) and records what it was asked. */
class ScriptedDatabase extends Database {
  readonly statements: string[] = [];

  constructor(public answer: Answer) {
    super();
  }

  async query<R extends QueryResultRow = QueryResultRow>(text: string): Promise<{ rows: R[]; rowCount: number | null }> {
    this.statements.push(text);
    const rows = this.answer(text) as R[];
    return { rows, rowCount: rows.length };
  }

  transaction<T>(): Promise<T> {
    throw new Error('no transactions on a read database');
  }

  async close(): Promise<void> {}
}

const REPLAY = 'select pg_last_wal_replay_lsn()::text as position';
const INSERT_POSITION = 'select pg_current_wal_insert_lsn()::text as position';
const READ = 'select name from catalog.products';

const refused = () => {
  throw toUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' }));
};
const sqlError = (code: string) => () => {
  throw Object.assign(new Error(`failed with ${code}`), { code });
};

const setUp = ({ replayed = '0/100', written = '0/200' }: { replayed?: string | null; written?: string } = {}) => {
  let now = 1_000;
  const states: string[] = [];
  const primary = new ScriptedDatabase((text) => (text === INSERT_POSITION ? [{ position: written }] : [{ name: 'primary' }]));
  const replica = new ScriptedDatabase((text) => (text === REPLAY ? [{ position: replayed }] : [{ name: 'replica' }]));
  const reads = new ReplicaReadDatabase({
    primary,
    replica,
    positions: new InProcessWritePositions(60_000, () => now),
    onReplicaState: (state) => states.push(state),
    now: () => now,
  });
  const readBy = async (userId?: string) => {
    const sql = userId === undefined ? reads.forAnyone() : await reads.forUser(userId);
    return (await sql.query<{ name: string }>(READ, [])).rows[0].name;
  };
  return { primary, replica, reads, states, readBy, advance: (ms: number) => void (now += ms) };
};

describe('ReplicaReadDatabase', () => {
  it('serves reads for anyone, and for users without a recent write, from the replica without asking its position', async () => {
    const { replica, readBy } = setUp();
    expect(await readBy()).toBe('replica');
    expect(await readBy('ada')).toBe('replica');
    expect(replica.statements).toEqual([READ, READ]);
  });

  it("serves a user's reads from the primary until the replica has replayed their last write", async () => {
    const { primary, replica, reads, readBy, advance } = setUp({ replayed: '0/100', written: '0/200' });
    await reads.noteWriteBy('ada');
    expect(primary.statements).toEqual([INSERT_POSITION]);

    expect(await readBy('ada')).toBe('primary');
    expect(await readBy('grace')).toBe('replica');

    replica.answer = (text) => (text === REPLAY ? [{ position: '0/200' }] : [{ name: 'replica' }]);
    advance(REPLAY_POSITION_MAX_AGE_MS);
    expect(await readBy('ada')).toBe('replica');
  });

  it('asks the replica its position at most once per REPLAY_POSITION_MAX_AGE_MS, and not at all once it is known past', async () => {
    const { replica, reads, readBy, advance } = setUp({ replayed: '0/100', written: '0/200' });
    await reads.noteWriteBy('ada');
    await Promise.all([readBy('ada'), readBy('ada'), readBy('ada')]);
    expect(replica.statements.filter((text) => text === REPLAY)).toHaveLength(1);

    replica.answer = (text) => (text === REPLAY ? [{ position: '1/0' }] : [{ name: 'replica' }]);
    advance(REPLAY_POSITION_MAX_AGE_MS);
    expect(await readBy('ada')).toBe('replica');
    advance(60 * REPLAY_POSITION_MAX_AGE_MS);
    expect(await readBy('ada')).toBe('replica');
    expect(replica.statements.filter((text) => text === REPLAY)).toHaveLength(2);
  });

  it("sends a writer's reads to the primary when the primary did not say where its log is", async () => {
    const { primary, reads, readBy } = setUp({ replayed: 'FFFFFFFF/0' });
    primary.answer = (text) => (text === INSERT_POSITION ? refused() : [{ name: 'primary' }]);
    await reads.noteWriteBy('ada');
    expect(await readBy('ada')).toBe('primary');
  });

  it("sends a writer's reads to the primary when the read server is no replica (no replay position)", async () => {
    const { reads, readBy } = setUp({ replayed: null });
    await reads.noteWriteBy('ada');
    expect(await readBy('ada')).toBe('primary');
  });

  it('reads the primary while the replica does not answer, tries it again later, and tells each change once', async () => {
    const { replica, readBy, states, advance } = setUp();
    replica.answer = refused;
    expect(await readBy()).toBe('primary');
    expect(await readBy()).toBe('primary');
    expect(replica.statements).toHaveLength(1);
    expect(states).toEqual(['unreachable']);

    advance(REPLICA_RETRY_AFTER_MS);
    replica.answer = () => [{ name: 'replica' }];
    expect(await readBy()).toBe('replica');
    expect(states).toEqual(['unreachable', 'reachable']);
  });

  it('runs on the primary a statement the replica cancelled for a conflict with recovery, or cannot run before a migration', async () => {
    const { replica, readBy, states } = setUp();
    for (const code of ['40001', '42P01', '42703']) {
      replica.answer = sqlError(code);
      expect(await readBy()).toBe('primary');
    }
    expect(states).toEqual([]);
    replica.answer = () => [{ name: 'replica' }];
    expect(await readBy()).toBe('replica');
  });

  it('passes on the errors of a statement that is wrong on any server', async () => {
    const { primary, replica, readBy } = setUp();
    replica.answer = sqlError('22P02');
    await expect(readBy()).rejects.toThrow('failed with 22P02');
    expect(primary.statements).toEqual([]);
  });
});
