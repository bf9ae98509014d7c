import { newId } from '../../shared-kernel/ids';
import type { CommandMeta, Decider } from './event-store';

/* What the event store's tests append and decide with. */

/** A fresh command at a fixed time. */
export const meta = (over: Partial<CommandMeta> = {}): CommandMeta => ({
  commandId: newId(),
  correlationId: newId(),
  now: new Date('2026-03-01T10:00:00Z'),
  ...over,
});

export const ev = (type: string, data: Record<string, unknown> = {}) => ({ type, data });

/** A counter: each event adds `by` to its total. */
export type Counted = { type: 'Counted'; data: { by: number } };
export const counted = (by: number): Counted => ({ type: 'Counted', data: { by } });
export const counter: Decider<{ total: number }, Counted> = {
  initialState: () => ({ total: 0 }),
  evolve: (s, e) => ({ total: s.total + e.data.by }),
};
