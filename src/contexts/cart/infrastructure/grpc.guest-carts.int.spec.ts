import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../../../test/support/app';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { expectOutageAfterDeadline, expectOutageWhenStopped, serveOnLoopback } from '../../../platform/grpc/facade-outages.fixtures';
import type { GrpcFacadeServer } from '../../../platform/grpc/grpc-facade-server';
import { newId } from '../../../shared-kernel/ids';
import { CartContents, GuestCarts } from '../contracts';
import { cartGrpcBindings } from './grpc.facades';
import { GrpcGuestCarts, guestCartsBinding } from './grpc.guest-carts';

let t: TestApp;
let server: GrpcFacadeServer;
let remote: GrpcGuestCarts;

beforeAll(async () => {
  t = await bootTestApp();
  const admin = (await t.registerAndLogin('admin')).token;
  await t.inject('POST', '/api/v1/categories', { token: admin, body: { slug: 'mugs', name: 'Mugs' } });
  for (const [sku, amount] of [
    ['GUEST-MUG', 1299],
    ['GUEST-CUP', 800],
  ] as const) {
    const created = await t.inject('POST', '/api/v1/products', {
      token: admin,
      body: { sku, name: `Item ${sku}`, category: 'mugs', price: { amount, currency: 'EUR' } },
    });
    expect(created.statusCode, created.body).toBe(201);
  }
  server = await serveOnLoopback(cartGrpcBindings(t.app));
  remote = new GrpcGuestCarts(server.address);
});
afterAll(async () => {
  remote?.onApplicationShutdown();
  await server?.stop();
  await t?.close();
});

const meta = (overrides: Partial<CommandMeta> = {}): CommandMeta => ({
  commandId: newId(),
  correlationId: newId(),
  now: t.clock.now(),
  ...overrides,
});

/** A guest's cart with these lines; its token. */
const guestCart = async (lines: [sku: string, quantity: number][]): Promise<string> => {
  let cartToken: string | undefined;
  for (const [sku, quantity] of lines) {
    const added = await t.inject('POST', '/api/v1/cart/items', {
      headers: cartToken ? { 'x-cart-token': cartToken } : {},
      body: { sku, quantity },
    });
    expect(added.statusCode, added.body).toBe(200);
    cartToken ??= added.headers['x-cart-token'] as string;
  }
  return cartToken!;
};

describe('GuestCarts over gRPC', () => {
  it("moves the guest cart's lines into the customer's cart once, under the caller's command meta", async () => {
    const customer = await t.registerAndLogin('customer');
    const cartToken = await guestCart([
      ['GUEST-MUG', 2],
      ['GUEST-CUP', 1],
    ]);
    const login = meta({ userId: customer.user.id, causationId: newId() });
    await remote.mergeIntoCustomerCart(cartToken, customer.user.id, login);

    const cart = await t.get(CartContents).getCart(customer.user.id);
    expect(cart.lines.map(({ sku, quantity }) => ({ sku, quantity }))).toEqual([
      { sku: 'GUEST-MUG', quantity: 2 },
      { sku: 'GUEST-CUP', quantity: 1 },
    ]);
    const [merged] = await t.get(EventStore).readStream(`cart.cart-${customer.user.id}`);
    expect(merged.metadata).toMatchObject({
      correlationId: login.correlationId,
      causationId: login.causationId,
      userId: customer.user.id,
      occurredAt: login.now.toISOString(),
    });

    // the token is closed: a repeated login (another command) merges nothing
    await remote.mergeIntoCustomerCart(cartToken, customer.user.id, meta());
    expect(await t.get(CartContents).getCart(customer.user.id)).toEqual(cart);
  });

  it('ignores a malformed or unknown token, as in process', async () => {
    const customer = await t.registerAndLogin('customer');
    await remote.mergeIntoCustomerCart('not-a-token', customer.user.id, meta());
    await remote.mergeIntoCustomerCart('A'.repeat(43), customer.user.id, meta());
    expect((await t.get(CartContents).getCart(customer.user.id)).lines).toEqual([]);
  });

  const client = {
    connect: (address: string, options?: object) => new GrpcGuestCarts(address, options),
    call: (guestCarts: GrpcGuestCarts) => guestCarts.mergeIntoCustomerCart('not-a-token', newId(), meta()),
  };

  it('fails fast with Unavailable once the cart service is down', () =>
    expectOutageWhenStopped(guestCartsBinding(t.get(GuestCarts)), client));

  it('fails with Unavailable when the cart service does not answer within the deadline', () =>
    expectOutageAfterDeadline(guestCartsBinding(t.get(GuestCarts)), client));
});
