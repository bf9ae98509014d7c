import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../../../test/support/app';
import { expectOutageAfterDeadline, expectOutageWhenStopped, serveOnLoopback } from '../../../platform/grpc/facade-outages.fixtures';
import type { GrpcFacadeServer } from '../../../platform/grpc/grpc-facade-server';
import { ProductCatalog } from '../contracts';
import { catalogGrpcBindings } from './grpc.facades';
import { GrpcProductCatalog, productCatalogBinding } from './grpc.product-catalog';

let t: TestApp;
let server: GrpcFacadeServer;
let local: ProductCatalog;
let remote: GrpcProductCatalog;
const eur = (amount: number) => ({ amount, currency: 'EUR' });

beforeAll(async () => {
  t = await bootTestApp();
  const admin = (await t.registerAndLogin('admin')).token;
  await t.inject('POST', '/api/v1/categories', { token: admin, body: { slug: 'tops', name: 'Tops' } });
  const created = await t.inject('POST', '/api/v1/products', {
    token: admin,
    body: {
      name: 'Merino Crew T-Shirt',
      category: 'tops',
      options: [{ name: 'Size', values: ['S', 'M'] }],
      variants: [
        { sku: 'GRPC-S', price: eur(4900), weightGrams: 180, options: { Size: 'S' } },
        { sku: 'GRPC-M', price: eur(5400), weightGrams: 190, options: { Size: 'M' } },
      ],
    },
  });
  expect(created.statusCode, created.body).toBe(201);
  const hidden = await t.inject('POST', '/api/v1/products', {
    token: admin,
    body: { sku: 'GRPC-HIDDEN', name: 'Withdrawn', category: 'tops', price: eur(100) },
  });
  expect(hidden.statusCode, hidden.body).toBe(201);
  const withdrawn = await t.inject('POST', `/api/v1/products/${hidden.json<{ id: string }>().id}/unpublish`, { token: admin });
  expect(withdrawn.statusCode, withdrawn.body).toBeLessThan(300);

  local = t.get(ProductCatalog);
  server = await serveOnLoopback(catalogGrpcBindings(t.app));
  remote = new GrpcProductCatalog(server.address);
});
afterAll(async () => {
  remote?.onApplicationShutdown();
  await server?.stop();
  await t?.close();
});

describe('ProductCatalog over gRPC', () => {
  it('answers what the in-process catalog answers: variants, unpublished ones, unknown SKUs left out', async () => {
    const skus = ['GRPC-S', 'GRPC-M', 'GRPC-HIDDEN', 'NOPE', 'GRPC-S'];
    const answered = await remote.findBySkus(skus);
    expect(answered).toEqual(await local.findBySkus(skus));
    expect(answered).toContainEqual({
      sku: 'GRPC-M',
      productId: expect.any(String),
      name: 'Merino Crew T-Shirt (M)',
      price: eur(5400),
      weightGrams: 190,
      published: true,
    });
    expect(answered.find((product) => product.sku === 'GRPC-HIDDEN')).toMatchObject({ published: false });
    expect(await remote.findBySkus([])).toEqual([]);
  });

  const client = {
    connect: (address: string, options?: object) => new GrpcProductCatalog(address, options),
    call: (catalog: GrpcProductCatalog) => catalog.findBySkus(['GRPC-S']),
  };

  it('fails fast with Unavailable once the catalog service is down', () => expectOutageWhenStopped(productCatalogBinding(local), client));

  it('fails with Unavailable when the catalog service does not answer within the deadline', () =>
    expectOutageAfterDeadline(productCatalogBinding(local), client));
});
