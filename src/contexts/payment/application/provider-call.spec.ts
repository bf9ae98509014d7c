import { describe, expect, it } from 'vitest';
import { Unavailable } from '../../../shared-kernel/errors';
import { callProvider, ProviderTimeout } from './provider-call';
import { PaymentRefused } from './ports';

const POLICY = { timeoutMs: 1000, attempts: 3, backoffMs: 1 };

/** A provider call that fails with each of `errors` in turn, then answers 'ok'. */
const failingWith = (...errors: unknown[]) => {
  let calls = 0;
  const call = async () => {
    const error = errors[calls++];
    if (error !== undefined) throw error;
    return 'ok';
  };
  return { call, calls: () => calls };
};

describe('callProvider', () => {
  it('retries provider errors, then gives up with provider_error', async () => {
    const provider = failingWith(new Error('502'), new Error('502'), new Error('502'));
    expect(await callProvider('authorize', provider.call, POLICY)).toMatchObject({ ok: false, reason: 'provider_error' });
    expect(provider.calls()).toBe(3);
  });

  it('answers with the value once an attempt succeeds', async () => {
    const provider = failingWith(new Error('502'));
    expect(await callProvider('capture', provider.call, POLICY)).toEqual({ ok: true, value: 'ok' });
  });

  it('takes neither a refusal nor a timeout as a reason to try again', async () => {
    const refused = failingWith(new PaymentRefused('card_declined'));
    expect(await callProvider('authorize', refused.call, POLICY)).toMatchObject({ ok: false, reason: 'refused' });
    const timedOut = failingWith(new ProviderTimeout(1000));
    expect(await callProvider('authorize', timedOut.call, POLICY)).toMatchObject({ ok: false, reason: 'timeout' });
    expect([refused.calls(), timedOut.calls()]).toEqual([1, 1]);
  });

  it('throws an outage of what payment depends on at once: the command is delivered again, not failed', async () => {
    const outage = new Unavailable('platform.database_unavailable', 'the database is unavailable');
    const provider = failingWith(outage);
    await expect(callProvider('authorize', provider.call, POLICY)).rejects.toBe(outage);
    expect(provider.calls()).toBe(1);
  });
});
