import { describe, expect, it } from 'vitest';
import type { Sql } from '../persistence/database';
import { WrongExpectedVersion } from './event-store';
import { ev, meta } from './event-store.fixtures';
import { InMemoryEventStore } from './in-memory.event-store';

const noSql = {} as Sql;

describe('InMemoryEventStore.appendStreams', () => {
  it('appends a stream in parts, each where the one before left it, beside other streams', async () => {
    const store = new InMemoryEventStore();
    await store.append('s-1', [ev('A')], { expectedVersion: 'no_stream', meta: meta() });
    const parts = await store.appendStreams(
      [
        { stream: 's-1', expectedVersion: 1, events: [ev('B')], meta: meta() },
        { stream: 's-2', expectedVersion: 0, events: [ev('A')], meta: meta() },
        { stream: 's-1', expectedVersion: 2, events: [ev('C')], meta: meta() },
      ],
      noSql,
    );
    expect(parts.map((part) => part.map((e) => `${e.stream}@${e.version}`))).toEqual([['s-1@2'], ['s-2@1'], ['s-1@3']]);
    expect((await store.readStream('s-1')).map((e) => e.type)).toEqual(['A', 'B', 'C']);
  });

  it('appends nothing when a stream is not where its first part expects it', async () => {
    const store = new InMemoryEventStore();
    await store.append('s-1', [ev('A')], { expectedVersion: 'no_stream', meta: meta() });
    const appending = store.appendStreams(
      [
        { stream: 's-2', expectedVersion: 0, events: [ev('A')], meta: meta() },
        { stream: 's-1', expectedVersion: 0, events: [ev('B')], meta: meta() },
      ],
      noSql,
    );
    await expect(appending).rejects.toBeInstanceOf(WrongExpectedVersion);
    expect(await store.readStream('s-2')).toEqual([]);
  });
});
