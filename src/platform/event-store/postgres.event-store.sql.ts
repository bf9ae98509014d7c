import { NO_EVENTS_APPLICATION_PREFIX } from '../persistence/database';
import type { EventMetadata } from './event-store';

/* The statements of PostgresEventStore. Each is one round trip; all are parameterised. */

export type EventRow = {
  transaction_id?: string;
  global_position: string;
  stream: string;
  version: number;
  type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
};

export type AppendRow = {
  current_version: number;
  /** set when this statement claimed the command id and inserted the events */
  first_version: number | null;
  positions: string[];
  dup_stream: string | null;
  dup_first: number | null;
  dup_last: number | null;
};

/** Output names shadow input columns in ORDER BY: always order by qualified columns (e.global_position). */
const EVENT_COLUMNS = 'e.global_position::text as global_position, e.stream, e.version, e.type, e.schema_version, e.data, e.metadata';

/**
 * $1 command id, $2 stream, $3 required current version (null = any), $4 number of events,
 * $5 jsonb array of {id, type, schemaVersion, data, metadata}.
 * A command id already recorded returns its first result (dup_*). Otherwise the statement claims the command id
 * (waiting for a concurrent claim of the same id to commit) and inserts the events after the current version;
 * a concurrent append of the same versions fails the unique (stream, version).
 */
const append = (onVersionConflict: string, notify: boolean) => `
  with dup as (
    select stream, first_version, last_version from es.command_results where command_id = $1
  ), cur as (
    select coalesce(max(version), 0) as v from es.events where stream = $2
  ), claim as (
    insert into es.command_results (command_id, stream, first_version, last_version)
    select $1, $2, cur.v + 1, cur.v + $4::int from cur
    where not exists (select 1 from dup) and ($3::int is null or cur.v = $3::int)
    on conflict (command_id) do nothing
    returning first_version
  ), ins as (
    insert into es.events (stream, version, event_id, type, schema_version, data, metadata)
    select $2, claim.first_version + e.ord::int - 1, (e.doc->>'id')::uuid, e.doc->>'type', (e.doc->>'schemaVersion')::int, e.doc->'data', e.doc->'metadata'
    from claim, jsonb_array_elements($5::jsonb) with ordinality as e(doc, ord)
    ${onVersionConflict}
    returning global_position, version
  )
  select (select v from cur) as current_version,
         (select first_version from claim) as first_version,
         array(select i.global_position::text from ins i order by i.version) as positions,
         (select stream from dup) as dup_stream,
         (select first_version from dup) as dup_first,
         (select last_version from dup) as dup_last,
         ${notify ? `(select pg_notify('${NOTIFY_CHANNEL}', '') where exists (select 1 from ins))` : 'null'} as notified`;

/**
 * APPEND without recording the command: for a transaction that commits at most once per command anyway (an inbox row
 * in it), where the record would only cost a row. Same parameters and result shape ($1 unused); a version conflict
 * inserts fewer rows (or none) instead of aborting the transaction.
 */
export const APPEND_UNRECORDED = `
  with cur as (
    select coalesce(max(version), 0) as v from es.events where stream = $2
  ), ins as (
    insert into es.events (stream, version, event_id, type, schema_version, data, metadata)
    select $2, cur.v + e.ord::int, (e.doc->>'id')::uuid, e.doc->>'type', (e.doc->>'schemaVersion')::int, e.doc->'data', e.doc->'metadata'
    from cur, jsonb_array_elements($5::jsonb) with ordinality as e(doc, ord)
    where ($3::int is null or cur.v = $3::int) and $1::text is not null and $4::int > 0
    on conflict (stream, version) do nothing
    returning global_position, version
  )
  select (select v from cur) as current_version,
         (select min(i.version) from ins i) as first_version,
         array(select i.global_position::text from ins i order by i.version) as positions,
         null as dup_stream, null::int as dup_first, null::int as dup_last, null as notified`;

/**
 * Several streams in one statement, for a transaction applied once (no command recorded). $1 jsonb array of
 * {stream, expected}: the version each stream must be at (0: no stream); $2 jsonb array of the events in the order
 * they are appended, {ord, stream, version, id, type, schemaVersion, data, metadata}. When a stream is elsewhere,
 * nothing is inserted and `conflicts` names it; a concurrent append of the same versions inserts fewer rows.
 */
export const APPEND_STREAMS = `
  with cur as (
    select x.stream, x.expected, (select coalesce(max(e.version), 0) from es.events e where e.stream = x.stream) as actual
    from jsonb_to_recordset($1::jsonb) as x(stream text, expected int)
  ), ins as (
    insert into es.events (stream, version, event_id, type, schema_version, data, metadata)
    select r.stream, r.version, r.id, r.type, r."schemaVersion", r.data, r.metadata
    from jsonb_to_recordset($2::jsonb) as r(ord int, stream text, version int, id uuid, type text, "schemaVersion" int, data jsonb, metadata jsonb)
    where not exists (select 1 from cur where cur.actual <> cur.expected)
    order by r.ord
    on conflict (stream, version) do nothing
    returning stream, version, global_position
  )
  select (select coalesce(jsonb_agg(jsonb_build_object('stream', c.stream, 'actual', c.actual)), '[]'::jsonb)
            from cur c where c.actual <> c.expected) as conflicts,
         array(select i.global_position::text from ins i order by i.global_position) as positions`;

/** Consumers LISTEN here. */
export const NOTIFY_CHANNEL = 'es_events';

/** A transaction of its own: the store notifies after the commit (NOTIFY at commit would serialize all commits). */
export const APPEND = append('', false);

/**
 * Inside a caller's transaction that cannot tell the store when it commits: a version conflict inserts fewer rows
 * instead of aborting that transaction, and it notifies at its commit. Avoided where possible: PostgreSQL commits
 * notifying transactions one at a time, each waiting for its own WAL flush.
 */
export const APPEND_SKIPPING_CONFLICTS = append('on conflict (stream, version) do nothing', true);

/** APPEND_SKIPPING_CONFLICTS in a transaction that tells the store when it committed (the store notifies then). */
export const APPEND_SKIPPING_CONFLICTS_QUIETLY = append('on conflict (stream, version) do nothing', false);

export const NOTIFY = `select pg_notify('${NOTIFY_CHANNEL}', '')`;

/** Undoes a partial APPEND_SKIPPING_CONFLICTS: $1 event ids, $2 command id. */
export const REMOVE_PARTIAL_APPEND = `
  with removed as (delete from es.events where event_id = any($1::uuid[]))
  delete from es.command_results where command_id = $2`;

/** $1 stream, $2 command id: what an append of no events needs to check. */
export const EMPTY_APPEND_CHECK = `
  select (select coalesce(max(version), 0) from es.events where stream = $1) as current_version,
         d.stream as dup_stream, d.first_version as dup_first, d.last_version as dup_last
  from (select 1) one left join es.command_results d on d.command_id = $2`;

export const CURRENT_VERSION = 'select coalesce(max(version), 0) as v from es.events where stream = $1';

export const FIND_COMMAND = 'select stream, first_version, last_version from es.command_results where command_id = $1';

/** $1 streams: all their events, stream by stream. */
export const READ_STREAMS = `select ${EVENT_COLUMNS} from es.events e where e.stream = any($1::text[]) order by e.stream, e.version`;

export const READ_STREAM = `select ${EVENT_COLUMNS} from es.events e where e.stream = $1 and e.version >= $2 order by e.version`;

/** $1 stream, $2 command id: the first result of the command if it was appended, else the whole stream. */
export const DECISION_READ = `
  select d.stream as dup_stream, d.first_version as dup_first, d.last_version as dup_last,
         e.global_position::text as global_position, e.version, e.type, e.schema_version, e.data, e.metadata
  from (select 1) one
  left join es.command_results d on d.command_id = $2
  left join es.events e on e.stream = $1 and d.command_id is null
  order by e.version`;

/**
 * SQL: the transaction id that readers of the global log read below. Every event of an older transaction is committed
 * or never will be: it is the oldest transaction still running that may append events, or the snapshot's end when
 * none runs. A transaction that promised to append none (`appendsNoEvents`: it names itself and its id in
 * `application_name`) does not hold readers back however long it runs. A scalar subquery: evaluated once per statement.
 */
export const READABLE_BELOW = `(
  select coalesce(min(running.xid), pg_snapshot_xmax(pg_current_snapshot()))
  from pg_snapshot_xip(pg_current_snapshot()) as running(xid)
  where running.xid::text not in (
    select substr(a.application_name, ${NO_EVENTS_APPLICATION_PREFIX.length + 1})
    from pg_stat_activity a
    where starts_with(a.application_name, '${NO_EVENTS_APPLICATION_PREFIX}')))`;

/**
 * $1/$2 checkpoint (transaction id, position), $3 limit. Only transactions older than the oldest one still running
 * that may append are read (`READABLE_BELOW`), so a transaction that commits after later ones is never skipped.
 */
export const READ_ALL = `
  select false as tail, e.transaction_id::text as transaction_id, ${EVENT_COLUMNS}
  from es.events e
  where (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
    and e.transaction_id < ${READABLE_BELOW}
  order by e.transaction_id, e.global_position
  limit $3`;

/**
 * READ_ALL of some types ($4), looking at no more than $5 events of the log (bounded work however rare the types).
 * When fewer than $3 match, a last `tail` row is the last event looked at: the checkpoint moves past the events of
 * other types, and a reader keeps reading while its checkpoint moves.
 */
export const READ_ALL_OF_TYPES = `
  with scanned as materialized (
    select e.transaction_id as t, e.global_position as p, e.type
    from es.events e
    where (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
      and e.transaction_id < ${READABLE_BELOW}
    order by e.transaction_id, e.global_position
    limit $5
  ), matched as (
    select s.t, s.p from scanned s where s.type = any($4::text[]) order by s.t, s.p limit $3
  )
  select * from (
    select false as tail, m.t::text as transaction_id, ${EVENT_COLUMNS}, m.t, m.p
    from matched m join es.events e on e.global_position = m.p
    union all
    select true, s.t::text, s.p::text, null, null, null, null, null, null, s.t, s.p
    from (select t, p from scanned order by t desc, p desc limit 1) s
    where (select count(*) from matched) < $3
  ) rows
  order by rows.tail, rows.t, rows.p`;
