import { LOG_START, type LogCheckpoint } from '../event-store/event-store';
import type { Sql } from '../persistence/database';
import type { ConsumerStatus, LogConsumer } from './log-consumer';

/* What an operator (or a drain) asks of the log consumers' positions: read on demand, never on the consumers' path. */

/** Where a consumer stands: its checkpoint, the events after it that it wants, its dead letters. */
export const readConsumerStatus = async (db: Sql, consumer: Pick<LogConsumer, 'name' | 'types'>): Promise<ConsumerStatus> => {
  const { rows } = await db.query<{ transaction_id: string; position: string; lag: string; dead_letters: string }>(
    `select coalesce(c.transaction_id, '0')::text as transaction_id, coalesce(c.position, 0)::text as position,
            (select count(*) from es.events e
             where (e.transaction_id, e.global_position) > (coalesce(c.transaction_id, '0'), coalesce(c.position, 0))
               and ($2::text[] is null or e.type = any($2::text[]))) as lag,
            (select count(*) from es.dead_letters d where d.consumer = x.consumer) as dead_letters
     from (select $1::text as consumer) x left join es.checkpoints c on c.consumer = x.consumer`,
    [consumer.name, consumer.types ?? null],
  );
  const row = rows[0];
  return {
    name: consumer.name,
    checkpoint: `${row.transaction_id}/${row.position}`,
    lag: Number(row.lag),
    deadLetters: Number(row.dead_letters),
  };
};

/** The checkpoint of the last event in the log now (LOG_START when it is empty). */
export const readLogEnd = async (db: Sql): Promise<LogCheckpoint> => {
  const { rows } = await db.query<{ transaction_id: string; position: string }>(
    'select e.transaction_id::text as transaction_id, e.global_position::text as position from es.events e order by e.transaction_id desc, e.global_position desc limit 1',
  );
  return rows[0] ? { transactionId: rows[0].transaction_id, position: rows[0].position } : LOG_START;
};
