import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStore } from '../src/platform/event-store/event-store';
import { newId } from '../src/shared-kernel/ids';
import { CHECKOUT, expectRefusedWithoutTrace, openSecurityShop, type SecurityShop, SHIPPING_ADDRESS } from './support/security-shop';

/**
 * S1, input validation: the text policy over HTTP (ADR 0022). Control characters, line breaks and bidirectional or
 * invisible controls in any address field or name are refused with 400 problem+json naming each field, and nothing is
 * written (a digest of every table before and after). Well-formed text of any script is kept, in NFC. Identifiers:
 * identifiers.e2e.spec.ts.
 */

let shop: SecurityShop;
let addressId: string;
let reviewable: { sku: string; productId: string };
let refundable: string;

beforeAll(async () => {
  shop = await openSecurityShop();
  reviewable = await shop.stockedProduct();
  await shop.deliveredOrder(shop.alice, 1, reviewable.sku);
  addressId = await shop.addAddress(shop.alice);
  refundable = await shop.confirmedOrder(shop.bob, 1);
  // a cart with an item: a checkout that got through would write an order, so a refused one proves the refusal
  await shop.addToCart(shop.alice);
}, 60_000);
afterAll(async () => shop?.t.close());

/** One of each class the policy refuses in a line (NUL and lone surrogates are the platform's, see safe-input.ts). */
const IN_A_LINE = {
  CR: 'x\ry',
  LF: 'x\ny',
  'CR LF (header injection)': 'x\r\nBcc: all@example.com',
  TAB: 'x\ty',
  ESC: 'x\u001b[2Jy',
  BEL: 'x\u0007y',
  DEL: 'x\u007fy',
  'a C1 control (NEL)': 'x\u0085y',
  'a line separator': 'x\u2028y',
  'a right-to-left override': 'x\u202egnp.exe',
  'a first-strong isolate': 'x\u2068y\u2069',
  'a noncharacter': 'x\uffffy',
  'a zero-width space': 'x\u200by',
  'a tag character (hidden text)': 'x\u{e0041}y',
};
/** In prose LF is a line break; everything else above is refused there too. */
const IN_PROSE = Object.fromEntries(Object.entries(IN_A_LINE).filter(([name]) => !name.startsWith('LF') && !name.startsWith('CR LF')));

const refusedWithoutTrace = (request: () => Promise<InjectResponse>, fields: string[], issue?: string | null) =>
  expectRefusedWithoutTrace(shop.db, request, fields, issue);

const ADDRESS_FIELDS = ['name', 'line1', 'line2', 'city', 'postalCode'] as const;
const hostileAddress = (value: string) => ({ ...Object.fromEntries(ADDRESS_FIELDS.map((field) => [field, `A${value}`])), country: 'GB' });

describe('every address field of the checkout and the address book refuses control and bidirectional characters', () => {
  it.each(Object.entries(IN_A_LINE))('%s: checkout, listing each field, writing nothing', async (_, value) => {
    const body = { ...CHECKOUT, shippingAddress: hostileAddress(value) };
    await refusedWithoutTrace(
      () => shop.send('POST', '/api/v1/checkout', shop.alice.token, body),
      ADDRESS_FIELDS.map((field) => `shippingAddress.${field}`),
    );
  });

  it.each(Object.entries(IN_A_LINE))('%s: address book, added and changed', async (_, value) => {
    await refusedWithoutTrace(
      () => shop.send('POST', '/api/v1/me/addresses', shop.alice.token, hostileAddress(value)),
      [...ADDRESS_FIELDS],
    );
    for (const field of ADDRESS_FIELDS) {
      await refusedWithoutTrace(
        () => shop.send('PATCH', `/api/v1/me/addresses/${addressId}`, shop.alice.token, { [field]: value }),
        [field],
      );
    }
  });

  it('refuses a country code that is not one as given (a look-alike letter, a line break)', async () => {
    for (const country of ['G\u212a', 'gb\n', '\uff27\uff22', 'D\u0130']) {
      const body = { ...CHECKOUT, shippingAddress: { ...SHIPPING_ADDRESS, country } };
      await refusedWithoutTrace(
        () => shop.send('POST', '/api/v1/checkout', shop.alice.token, body),
        ['shippingAddress.country'],
        null, // a pattern or a length, whichever fails first
      );
    }
  });
});

describe('names shown to people or put into mails refuse them too', () => {
  const named: Record<
    string,
    { method: string; url: () => string; as: () => string | undefined; body: (name: string) => object; field: string }
  > = {
    registration: {
      method: 'POST',
      url: () => '/api/v1/auth/register',
      as: () => undefined,
      body: (name) => ({ email: `new-${newId()}@example.com`, password: 'correct horse battery staple', name }),
      field: 'name',
    },
    'a staff account': {
      method: 'POST',
      url: () => '/api/v1/staff',
      as: () => shop.admin.token,
      body: (name) => ({ email: `staff-${newId()}@example.com`, password: 'correct horse battery staple', name }),
      field: 'name',
    },
    'a product': {
      method: 'POST',
      url: () => '/api/v1/products',
      as: () => shop.admin.token,
      body: (name) => ({ sku: `NAME-${newId().slice(-8)}`, name, category: 'probe-mugs', price: { amount: 100, currency: 'EUR' } }),
      field: 'name',
    },
    'a product renamed': {
      method: 'PATCH',
      url: () => `/api/v1/products/${shop.product.productId}`,
      as: () => shop.admin.token,
      body: (name) => ({ name }),
      field: 'name',
    },
    'an option value': {
      method: 'POST',
      url: () => '/api/v1/products',
      as: () => shop.admin.token,
      body: (value) => ({
        name: 'Shirt',
        category: 'probe-mugs',
        variants: [{ sku: `OPT-${newId().slice(-8)}`, price: { amount: 100, currency: 'EUR' }, options: { Size: value } }],
      }),
      field: 'variants.0.options.Size',
    },
    'a category': {
      method: 'POST',
      url: () => '/api/v1/categories',
      as: () => shop.admin.token,
      body: (name) => ({ slug: `cat-${newId().slice(-8).toLowerCase()}`, name }),
      field: 'name',
    },
    'a shipping method': {
      method: 'POST',
      url: () => '/api/v1/shipping-methods',
      as: () => shop.admin.token,
      body: (name) => ({ code: 'named', name, countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 100 } }),
      field: 'name',
    },
    'a shipping method renamed': {
      method: 'PATCH',
      url: () => '/api/v1/shipping-methods/standard',
      as: () => shop.admin.token,
      body: (name) => ({ name }),
      field: 'name',
    },
    'a tax rate': {
      method: 'POST',
      url: () => '/api/v1/tax-rates',
      as: () => shop.admin.token,
      body: (name) => ({ country: 'DE', rateBps: 1900, name }),
      field: 'name',
    },
    'an API key': {
      method: 'POST',
      url: () => '/api/v1/api-keys',
      as: () => shop.admin.token,
      body: (name) => ({ name, scopes: ['orders:read'] }),
      field: 'name',
    },
  };

  it.each(Object.entries(IN_A_LINE))('%s in every name', async (_, value) => {
    for (const [what, route] of Object.entries(named)) {
      const res = () => shop.send(route.method, route.url(), route.as(), route.body(`Name ${value}`));
      await refusedWithoutTrace(res, [route.field]).catch((error: Error) => {
        throw new Error(`${what}: ${error.message}`);
      });
    }
  });

  it.each(Object.entries(IN_PROSE))('%s in a review text, a refund note and a stock note', async (_, value) => {
    const prose = `A fine mug, really.\n${value}`;
    const reviewUrl = `/api/v1/products/${reviewable.productId}/reviews`;
    await refusedWithoutTrace(() => shop.send('POST', reviewUrl, shop.alice.token, { rating: 5, text: prose }), ['text']);
    const restock = `/api/v1/inventory/${shop.product.sku}/restock`;
    await refusedWithoutTrace(
      () => shop.send('POST', restock, shop.admin.token, { quantity: 1, reason: 'delivery', note: prose }),
      ['note'],
    );
    const refund = `/api/v1/orders/${refundable}/refunds`;
    await refusedWithoutTrace(() => shop.send('POST', refund, shop.admin.token, { amount: 1, reason: prose }), ['reason']);
  });

  it('a review keeps its line breaks, as LF', async () => {
    const res = await shop.ok(
      shop.send('POST', `/api/v1/products/${reviewable.productId}/reviews`, shop.alice.token, {
        rating: 4,
        text: 'Keeps tea hot.\r\nThe handle is small.',
      }),
      201,
    );
    expect(res.json<{ text: string }>().text).toBe('Keeps tea hot.\nThe handle is small.');
    const { rows } = await shop.db.query<{ text: string }>('select body as text from reviews.reviews where id = $1', [
      res.json<{ id: string }>().id,
    ]);
    expect(rows[0].text).toBe('Keeps tea hot.\nThe handle is small.');
  });
});

describe('well-formed names of any script are accepted and kept in NFC', () => {
  const zoeDecomposed = 'Zoe\u0308 N\u0303u\u0301n\u0303ez'; // as a Mac keyboard may send it
  const zoe = 'Zoë Ñúñez';

  it('at registration: the row, the event and the mail recipient hold the NFC name', async () => {
    const email = `zoe-${newId()}@example.com`;
    const res = await shop.ok(
      shop.send('POST', '/api/v1/auth/register', undefined, {
        email,
        password: 'correct horse battery staple',
        name: ` ${zoeDecomposed} `,
      }),
      201,
    );
    const { id } = res.json<{ id: string }>();
    expect(res.json()).toMatchObject({ email, name: zoe });
    const { rows } = await shop.db.query<{ name: string }>('select name from identity.users where id = $1', [id]);
    expect(rows[0].name).toBe(zoe);
    const events = await shop.t.get(EventStore).readStream(`identity.user-${id}`);
    expect(events[0].data).toMatchObject({ name: zoe, email });
    await shop.t.drain();
    const recipients = await shop.db.query<{ name: string }>('select name from notifications.recipients where customer_id = $1', [id]);
    expect(recipients.rows[0].name).toBe(zoe);
  });

  it('in the address book and on an order', async () => {
    const customer = await shop.t.registerAndLogin('customer');
    const address = { ...SHIPPING_ADDRESS, name: '李小龍', line1: 'Bahnhofstrasse 1', city: 'Zu\u0308rich', country: 'ch' };
    const added = await shop.ok(shop.send('POST', '/api/v1/me/addresses', customer.token, address), 201);
    expect(added.json()).toMatchObject({ name: '李小龍', city: 'Zürich', country: 'CH' });
    const { rows } = await shop.db.query<{ name: string; city: string }>('select name, city from identity.addresses where id = $1', [
      added.json<{ id: string }>().id,
    ]);
    expect(rows[0]).toEqual({ name: '李小龍', city: 'Zürich' });

    await shop.addToCart(customer);
    const placed = await shop.ok(
      shop.send('POST', '/api/v1/checkout', customer.token, { ...CHECKOUT, shippingAddress: { ...address, name: zoeDecomposed } }),
      202,
    );
    const orders = await shop.db.query<{ shipping_address: object }>('select shipping_address from ordering.orders where id = $1', [
      placed.json<{ orderId: string }>().orderId,
    ]);
    expect(orders.rows[0].shipping_address).toMatchObject({ name: zoe, city: 'Zürich', country: 'CH' });
  });
});
