import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../test/support/db';
import { newId } from '../../shared-kernel/ids';
import { PgDatabase } from '../persistence/pg.database';
import { platformCoreMigrations } from '../persistence/platform.migrations';
import { logSettled } from '../testing/settled-log';
import {
  LOG_START,
  type CommandMeta,
  type Decider,
  type EventStore,
  type ExpectedVersion,
  type LogCheckpoint,
  type RecordedEvent,
} from './event-store';
import { compareCheckpoints } from './event-recording';
import { InMemoryEventStore } from './in-memory.event-store';
import { PostgresEventStore } from './postgres.event-store';

/* The PostgreSQL store and its in-memory twin, given the same random operations, answer the same. */

type Expected = { kind: 'any' } | { kind: 'no_stream' } | { kind: 'relative'; delta: number } | { kind: 'absolute'; version: number };
type Op =
  | { kind: 'append'; stream: number; expected: Expected; command: number | null; types: string[]; legacy: boolean }
  | { kind: 'decide'; stream: number; command: number | null; by: number };

const TYPES = ['Placed', 'Paid', 'Legacy'];
const expectedArb: fc.Arbitrary<Expected> = fc.oneof(
  fc.constant<Expected>({ kind: 'any' }),
  fc.constant<Expected>({ kind: 'no_stream' }),
  fc.integer({ min: -2, max: 2 }).map<Expected>((delta) => ({ kind: 'relative', delta })),
  fc.integer({ min: 0, max: 4 }).map<Expected>((version) => ({ kind: 'absolute', version })),
);
const commandArb = fc.option(fc.integer({ min: 0, max: 3 }), { nil: null, freq: 2 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      stream: fc.integer({ min: 0, max: 2 }),
      expected: expectedArb,
      command: commandArb,
      types: fc.array(fc.constantFrom(...TYPES), { minLength: 0, maxLength: 3 }),
      legacy: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('decide' as const),
      stream: fc.integer({ min: 0, max: 2 }),
      command: commandArb,
      by: fc.integer({ min: 1, max: 9 }),
    }),
  },
);

type Counted = { type: string; data: { by?: number } };
const counter: Decider<number, Counted> = { initialState: () => 0, evolve: (total, e) => total + (e.data.by ?? 0) };

const view = (e: RecordedEvent) => ({
  stream: e.stream,
  version: e.version,
  type: e.type,
  data: e.data,
  schemaVersion: e.metadata.schemaVersion,
  commandId: e.metadata.commandId,
});

/** Runs one operation on one store; returns what a caller can observe (event ids are compared per store). */
const run = async (store: EventStore, op: Op, stream: string, commandId: string, ids: Map<string, string[]>) => {
  const meta: CommandMeta = { commandId, correlationId: 'corr', userId: 'u1', now: new Date('2026-02-02T00:00:00Z') };
  const remember = (duplicate: boolean, events: RecordedEvent[]) => {
    const eventIds = events.map((e) => e.metadata.eventId);
    if (duplicate) expect(eventIds).toEqual(ids.get(commandId) ?? eventIds.slice(0, 0));
    else if (events.length > 0) ids.set(commandId, eventIds);
  };
  try {
    if (op.kind === 'decide') {
      const r = await store.decide(stream, counter, (total) => ({ type: 'Counted', data: { by: op.by + (total % 2) } }), meta);
      remember(r.duplicate, r.events);
      return { version: r.version, duplicate: r.duplicate, state: r.state, events: r.events.map(view) };
    }
    const current = (await store.readStream(stream)).length;
    const expectedVersion: ExpectedVersion =
      op.expected.kind === 'relative'
        ? Math.max(0, current + op.expected.delta)
        : op.expected.kind === 'absolute'
          ? op.expected.version
          : op.expected.kind;
    const events = op.types.map((type, i) => ({
      type,
      data: type === 'Legacy' && op.legacy ? { old: i } : { n: i, nested: { list: [i, 'x'] } },
    }));
    const r = await store.append(stream, events, { expectedVersion, meta, schemaVersions: op.legacy ? { Legacy: 1 } : undefined });
    remember(r.duplicate, r.events);
    return { next: r.nextExpectedVersion, duplicate: r.duplicate, events: r.events.map(view) };
  } catch (error) {
    const { name, expected, actual } = error as { name: string; expected?: unknown; actual?: unknown };
    return { error: name, expected, actual };
  }
};

const readAllPaged = async (store: EventStore, limit: number, types?: readonly string[]) => {
  const events: RecordedEvent[] = [];
  let checkpoint: LogCheckpoint = LOG_START;
  for (let i = 0; i < 500; i++) {
    const batch = await store.readAll(checkpoint, limit, { types });
    events.push(...batch.events);
    // a read of some types may find none in the part of the log it looked at, and still move on
    if (compareCheckpoints(batch.checkpoint, checkpoint) === 0) break;
    checkpoint = batch.checkpoint;
  }
  return events.map(view);
};

describe.each(testServers())('PostgresEventStore against InMemoryEventStore on $name', (server) => {
  let db: PgDatabase;

  const suite = migratedDatabase(server, platformCoreMigrations, { poolSize: 4 });
  beforeAll(() => {
    db = suite.db;
  });

  it('gives identical results for random sequences of appends and decisions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        await db.query('truncate es.events, es.command_results');
        const run_ = newId();
        const names = { streams: [0, 1, 2].map((i) => `prop.s${i}-${run_}`), commands: [0, 1, 2, 3].map((i) => `cmd-${i}-${run_}`) };
        const stores = [new InMemoryEventStore(), new PostgresEventStore(db)];
        for (const store of stores)
          store.registerUpcaster({ type: 'Legacy', fromVersion: 1, upcast: (d) => ({ n: d.old, upcasted: true }) });
        const ids = stores.map(() => new Map<string, string[]>());

        for (const op of ops) {
          const stream = names.streams[op.stream];
          const commandId = op.command === null ? newId() : names.commands[op.command];
          const inMemory = await run(stores[0], op, stream, commandId, ids[0]);
          const postgres = await run(stores[1], op, stream, commandId, ids[1]);
          expect(postgres, JSON.stringify(op)).toEqual(inMemory);
        }
        for (const stream of names.streams) {
          const [a, b] = await Promise.all(stores.map((s) => s.readStream(stream)));
          expect(b.map(view)).toEqual(a.map(view));
        }
        await logSettled(db);
        const [all, allPg] = await Promise.all(stores.map((s) => readAllPaged(s, 1000)));
        expect(allPg).toEqual(all);
        const [paged, pagedPg] = await Promise.all(stores.map((s) => readAllPaged(s, 2, ['Placed', 'Legacy'])));
        expect(pagedPg).toEqual(paged);
        expect(paged).toEqual(all.filter((e) => e.type === 'Placed' || e.type === 'Legacy'));
      }),
      { numRuns: 30 },
    );
  });
});
