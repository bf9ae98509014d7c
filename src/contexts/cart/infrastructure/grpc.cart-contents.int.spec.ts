import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../../../test/support/app';
import { expectOutageAfterDeadline, expectOutageWhenStopped, serveOnLoopback } from '../../../platform/grpc/facade-outages.fixtures';
import type { GrpcFacadeServer } from '../../../platform/grpc/grpc-facade-server';
import { toProblem } from '../../../platform/http/problem-details.filter';
import { DomainError } from '../../../shared-kernel/errors';
import { newId } from '../../../shared-kernel/ids';
import { CartContents } from '../contracts';
import { cartContentsBinding, GrpcCartContents } from './grpc.cart-contents';
import { cartGrpcBindings } from './grpc.facades';

let t: TestApp;
let admin: string;
let server: GrpcFacadeServer;
let local: CartContents;
let remote: GrpcCartContents;
const productIds = new Map<string, string>();

beforeAll(async () => {
  t = await bootTestApp();
  admin = (await t.registerAndLogin('admin')).token;
  await t.inject('POST', '/api/v1/categories', { token: admin, body: { slug: 'mugs', name: 'Mugs' } });
  for (const [sku, amount] of [
    ['GRPC-MUG', 1299],
    ['GRPC-POT', 2500],
    ['GRPC-LID', 300],
  ] as const) {
    const created = await t.inject('POST', '/api/v1/products', {
      token: admin,
      body: { sku, name: `Item ${sku}`, category: 'mugs', price: { amount, currency: 'EUR' } },
    });
    expect(created.statusCode, created.body).toBe(201);
    productIds.set(sku, created.json<{ id: string }>().id);
  }
  local = t.get(CartContents);
  server = await serveOnLoopback(cartGrpcBindings(t.app));
  remote = new GrpcCartContents(server.address);
});
afterAll(async () => {
  remote?.onApplicationShutdown();
  await server?.stop();
  await t?.close();
});

const shopperWith = async (lines: [sku: string, quantity: number][]) => {
  const shopper = await t.registerAndLogin('customer');
  for (const [sku, quantity] of lines) {
    const added = await t.inject('POST', '/api/v1/cart/items', { token: shopper.token, body: { sku, quantity } });
    expect(added.statusCode, added.body).toBe(200);
  }
  return shopper.user.id;
};

const reprice = async (sku: string, amount: number) => {
  const revised = await t.inject('PATCH', `/api/v1/products/${productIds.get(sku)}`, {
    token: admin,
    body: { price: { amount, currency: 'EUR' } },
  });
  expect(revised.statusCode, revised.body).toBe(200);
};

const failureOf = async (work: Promise<unknown>): Promise<DomainError> => {
  const error = await work.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
};

const problemOf = ({ kind, code, message, details }: DomainError) => ({ kind, code, message, details });

describe('CartContents over gRPC', () => {
  it('answers the cart as the in-process facade does, also one never written to', async () => {
    const cartId = await shopperWith([
      ['GRPC-MUG', 2],
      ['GRPC-LID', 1],
    ]);
    const cart = await remote.getCart(cartId);
    expect(cart).toEqual(await local.getCart(cartId));
    expect(cart).toMatchObject({
      cartId,
      version: 2,
      checkouts: 0,
      lines: [
        { sku: 'GRPC-MUG', productId: productIds.get('GRPC-MUG'), quantity: 2, unitPrice: { amount: 1299, currency: 'EUR' } },
        { sku: 'GRPC-LID', quantity: 1, unitPrice: { amount: 300, currency: 'EUR' } },
      ],
    });
    expect(await remote.getCartForCheckout(cartId)).toEqual(await local.getCartForCheckout(cartId));
    const unknown = newId();
    expect(await remote.getCart(unknown)).toEqual({ cartId: unknown, version: 0, checkouts: 0, lines: [] });
  });

  it('refuses a checkout with a changed price as cart.price_changed with its details, the same problem over HTTP', async () => {
    const cartId = await shopperWith([
      ['GRPC-POT', 2],
      ['GRPC-MUG', 1],
    ]);
    await reprice('GRPC-POT', 2700);
    const inProcess = await failureOf(local.getCartForCheckout(cartId));
    const overGrpc = await failureOf(remote.getCartForCheckout(cartId));
    expect(overGrpc).toMatchObject({
      kind: 'conflict',
      code: 'cart.price_changed',
      details: {
        lines: [{ sku: 'GRPC-POT', cartPrice: { amount: 2500, currency: 'EUR' }, currentPrice: { amount: 2700, currency: 'EUR' } }],
        previousTotal: { amount: 6299, currency: 'EUR' },
        currentTotal: { amount: 6699, currency: 'EUR' },
      },
    });
    expect(problemOf(overGrpc)).toEqual(problemOf(inProcess));
    expect(toProblem(overGrpc)).toEqual(toProblem(inProcess));
    await reprice('GRPC-POT', 2500);
  });

  it('refuses a checkout with a line no longer sold as cart.item_unavailable', async () => {
    const cartId = await shopperWith([['GRPC-LID', 3]]);
    const withdrawn = await t.inject('POST', `/api/v1/products/${productIds.get('GRPC-LID')}/unpublish`, { token: admin });
    expect(withdrawn.statusCode, withdrawn.body).toBeLessThan(300);
    const overGrpc = await failureOf(remote.getCartForCheckout(cartId));
    expect(overGrpc).toMatchObject({ kind: 'conflict', code: 'cart.item_unavailable', details: { skus: ['GRPC-LID'] } });
    expect(toProblem(overGrpc)).toEqual(toProblem(await failureOf(local.getCartForCheckout(cartId))));
  });

  const client = {
    connect: (address: string, options?: object) => new GrpcCartContents(address, options),
    call: (contents: GrpcCartContents) => contents.getCart(newId()),
  };

  it('fails fast with Unavailable once the cart service is down', () => expectOutageWhenStopped(cartContentsBinding(local), client));

  it('fails with Unavailable when the cart service does not answer within the deadline', () =>
    expectOutageAfterDeadline(cartContentsBinding(local), client));
});
