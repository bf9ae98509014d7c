import { expect } from 'vitest';
import type { AnyEvent, Decider } from '../event-store/event-store';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Given/when/then for deciders: fold `given` events with `evolve`, run a decision on the state, compare events.
 * `deciderSpec(d).given([...]).when((s) => decide(s, cmd)).then([...])`; the result is also callable as `given(...)`.
 */
export const deciderSpec = <S, E extends AnyEvent>(decider: Decider<S, E>) => {
  const given = (events: E[]) => {
    const state = events.reduce(decider.evolve, decider.initialState());
    return {
      when: (decision: (state: S) => E | E[]) => {
        const run = (): E[] => [decision(state)].flat() as E[];
        return {
          then: (expected: E[]): void => void expect(run()).toEqual(expected),
          /** With `code`, also checks the DomainError's stable code. */
          thenThrows: (error: ErrorClass, code?: string): void => {
            const thrown = (() => {
              try {
                run();
              } catch (e) {
                return e;
              }
              throw new Error(`expected the decision to throw ${error.name}, but it returned events`);
            })();
            expect(thrown).toBeInstanceOf(error);
            if (code !== undefined) expect((thrown as { code?: string }).code).toBe(code);
          },
        };
      },
      /** The state after the given events, for assertions on evolve. */
      thenState: (expected: S): void => void expect(state).toEqual(expected),
    };
  };
  return Object.assign(given, { given });
};
