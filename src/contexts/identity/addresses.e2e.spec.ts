import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, LoggedIn, TestApp } from '../../../test/support/app';
import { Database } from '../../platform/persistence/database';
import { newId } from '../../shared-kernel/ids';
import { MAX_ADDRESSES } from './domain/address';

let t: TestApp;

beforeAll(async () => {
  t = await bootTestApp();
});
afterAll(async () => t?.close());

const home = { name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };
const work = {
  name: 'Ada Lovelace',
  line1: '1 Analytical Way',
  line2: 'Floor 3',
  city: 'Berlin',
  postalCode: '10117',
  country: 'de',
  phone: '+49 30 1234567',
};

const add = (who: LoggedIn, body: object, headers: Record<string, string> = {}) =>
  t.inject('POST', '/api/v1/me/addresses', { token: who.token, body, headers });
const list = (who: LoggedIn) => t.inject('GET', '/api/v1/me/addresses', { token: who.token });
const change = (who: LoggedIn, id: string, body: object) => t.inject('PATCH', `/api/v1/me/addresses/${id}`, { token: who.token, body });
const remove = (who: LoggedIn, id: string) => t.inject('DELETE', `/api/v1/me/addresses/${id}`, { token: who.token });

describe('the address book', () => {
  it('adds addresses, the first one as the default, and lists the default first', async () => {
    const ada = await t.registerAndLogin();
    const first = await add(ada, home);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({ id: expect.any(String), ...home, isDefault: true });

    const second = await add(ada, work);
    expect(second.statusCode).toBe(201);
    expect(second.json()).toEqual({ id: expect.any(String), ...work, country: 'DE', isDefault: false });

    const book = await list(ada);
    expect(book.statusCode).toBe(200);
    expect(book.json().map((a: { id: string }) => a.id)).toEqual([first.json().id, second.json().id]);
  });

  it('keeps exactly one default: choosing another takes the role from the previous one', async () => {
    const ada = await t.registerAndLogin();
    const first = (await add(ada, home)).json();
    const second = (await add(ada, { ...work, isDefault: true })).json();
    expect(second.isDefault).toBe(true);
    expect((await list(ada)).json().map((a: { id: string; isDefault: boolean }) => [a.id, a.isDefault])).toEqual([
      [second.id, true],
      [first.id, false],
    ]);

    expect((await change(ada, first.id, { isDefault: true })).json().isDefault).toBe(true);
    const { rows } = await t.get(Database).query(`select id from identity.addresses where user_id = $1 and is_default`, [ada.user.id]);
    expect(rows).toEqual([{ id: first.id }]);
  });

  it('changes fields, clears optional ones with null and keeps the rest', async () => {
    const ada = await t.registerAndLogin();
    const address = (await add(ada, work)).json();
    const res = await change(ada, address.id, { city: 'Hamburg', postalCode: '20095', line2: null, phone: null });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: address.id,
      name: work.name,
      line1: work.line1,
      city: 'Hamburg',
      postalCode: '20095',
      country: 'DE',
      isDefault: true,
    });
    expect((await list(ada)).json()).toEqual([res.json()]);
  });

  it('removes an address (204), after which it is gone', async () => {
    const ada = await t.registerAndLogin();
    const address = (await add(ada, home)).json();
    const res = await remove(ada, address.id);
    expect(res.statusCode).toBe(204);
    expect((await list(ada)).json()).toEqual([]);
    expect((await remove(ada, address.id)).json().code).toBe('identity.address_not_found');
  });

  it(`holds at most ${MAX_ADDRESSES} addresses, also under concurrent additions`, async () => {
    const ada = await t.registerAndLogin();
    const results = await Promise.all(
      Array.from({ length: MAX_ADDRESSES + 5 }, (_, i) => add(ada, { ...home, line1: `${i} Main Street` })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(MAX_ADDRESSES);
    const refused = results.filter((r) => r.statusCode !== 201);
    expect(refused).toHaveLength(5);
    for (const r of refused) expect(r.json()).toMatchObject({ status: 409, code: 'identity.address_book_full' });
    const book = (await list(ada)).json();
    expect(book).toHaveLength(MAX_ADDRESSES);
    expect(book.filter((a: { isDefault: boolean }) => a.isDefault)).toHaveLength(1);
  });

  it('replays a retried addition carrying the same Idempotency-Key', async () => {
    const ada = await t.registerAndLogin();
    const first = await add(ada, home, { 'idempotency-key': 'address-1' });
    const again = await add(ada, home, { 'idempotency-key': 'address-1' });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await list(ada)).json()).toHaveLength(1);
  });
});

describe('object-level authorization', () => {
  it("never lets customer A read, change or delete customer B's address (404, and B's address is untouched)", async () => {
    const [a, b] = [await t.registerAndLogin(), await t.registerAndLogin()];
    const bAddress = (await add(b, home)).json();

    expect((await list(a)).json()).toEqual([]);
    const changed = await change(a, bAddress.id, { city: 'Elsewhere' });
    expect(changed.statusCode).toBe(404);
    expect(changed.json().code).toBe('identity.address_not_found');
    const made = await change(a, bAddress.id, { isDefault: true });
    expect(made.statusCode).toBe(404);
    const removed = await remove(a, bAddress.id);
    expect(removed.statusCode).toBe(404);
    expect(removed.json().code).toBe('identity.address_not_found');

    expect((await list(b)).json()).toEqual([bAddress]);
  });

  it('answers 404 for ids that are not addresses at all', async () => {
    const a = await t.registerAndLogin();
    for (const id of [newId(), 'not-a-uuid', '1%27%20or%201=1']) {
      expect((await change(a, id, { city: 'X' })).statusCode).toBe(404);
      expect((await remove(a, id)).statusCode).toBe(404);
    }
  });

  it('needs a login', async () => {
    expect((await t.inject('GET', '/api/v1/me/addresses')).statusCode).toBe(401);
    expect((await t.inject('POST', '/api/v1/me/addresses', { body: home })).statusCode).toBe(401);
  });
});

describe('input', () => {
  it('refuses fields a caller may not set (mass assignment) with 400', async () => {
    const a = await t.registerAndLogin();
    const b = await t.registerAndLogin();
    for (const extra of [{ userId: b.user.id }, { id: newId() }, { role: 'admin' }, { createdAt: '2020-01-01T00:00:00Z' }]) {
      const res = await add(a, { ...home, ...extra });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].code).toBe('unrecognized_keys');
    }
    const address = (await add(a, home)).json();
    expect((await change(a, address.id, { userId: b.user.id })).statusCode).toBe(400);
    expect((await change(a, address.id, { id: newId() })).statusCode).toBe(400);
    expect((await list(b)).json()).toEqual([]);
  });

  it('validates countries (ISO 3166-1 alpha-2), lengths, phones and empty changes', async () => {
    const a = await t.registerAndLogin();
    const paths = async (body: object) => (await add(a, body)).json().errors?.map((e: { path: string }) => e.path) as string[] | undefined;
    expect(await paths({ ...home, country: 'XX' })).toEqual(['country']);
    expect(await paths({ ...home, country: 'GBR' })).toEqual(['country']);
    expect(await paths({ ...home, name: ' ', postalCode: 'x'.repeat(21) })).toEqual(['name', 'postalCode']);
    expect(await paths({ ...home, phone: 'call me maybe' })).toEqual(['phone']);
    expect(await paths({ ...home, name: 'Ada\u0007', city: 'Lon\ndon' })).toEqual(['name', 'city']);
    // NUL and unpaired surrogates never reach a route: the platform refuses them for every input
    expect(await paths({ ...home, name: 'Ada\u0000', city: 'Lon\ud800' })).toEqual(['body.name', 'body.city']);
    expect(await paths({ name: 'A' })).toEqual(expect.arrayContaining(['line1', 'city', 'postalCode', 'country']));
    const address = (await add(a, home)).json();
    expect((await change(a, address.id, {})).statusCode).toBe(400);
    expect((await change(a, address.id, { name: null })).statusCode).toBe(400);
  });
});
