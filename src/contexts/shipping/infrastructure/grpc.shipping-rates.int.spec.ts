import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../../../test/support/app';
import { expectOutageAfterDeadline, expectOutageWhenStopped, serveOnLoopback } from '../../../platform/grpc/facade-outages.fixtures';
import type { GrpcFacadeServer } from '../../../platform/grpc/grpc-facade-server';
import { Shipments, ShippingRates } from '../contracts';
import { shippingGrpcBindings, ShippingGrpcClientsModule } from './grpc.facades';
import { GrpcShipments } from './grpc.shipments';
import { GrpcShippingRates, shippingRatesBinding } from './grpc.shipping-rates';

/** A provider of a module that imports shipping's facades, as ordering's do. */
@Injectable()
class ShippingUser {
  constructor(
    readonly rates: ShippingRates,
    readonly shipments: Shipments,
  ) {}
}

let t: TestApp;
let server: GrpcFacadeServer;
let local: ShippingRates;
let remote: GrpcShippingRates;

beforeAll(async () => {
  t = await bootTestApp();
  const admin = (await t.registerAndLogin('admin')).token;
  for (const body of [
    { code: 'standard', name: 'Standard', countries: ['DE', 'AT'], currency: 'EUR', rate: { type: 'flat', amount: 495 }, freeOver: 5000 },
    {
      code: 'parcel',
      name: 'Parcel by weight',
      countries: 'all',
      currency: 'EUR',
      rate: { type: 'weight', base: 300, perKg: 250, maxWeightGrams: 30_000 },
    },
    { code: 'us-ground', name: 'Ground', countries: ['US'], currency: 'USD', rate: { type: 'flat', amount: 799 } },
  ]) {
    const created = await t.inject('POST', '/api/v1/shipping-methods', { token: admin, body });
    expect(created.statusCode, created.body).toBe(201);
  }
  local = t.get(ShippingRates);
  server = await serveOnLoopback(shippingGrpcBindings(t.app));
  remote = new GrpcShippingRates(server.address);
});
afterAll(async () => {
  remote?.onApplicationShutdown();
  await server?.stop();
  await t?.close();
});

describe('ShippingRates over gRPC', () => {
  it('quotes every method for a parcel as the in-process facade does, with and without a subtotal', async () => {
    const parcels: [string, number, string, number?][] = [
      ['DE', 1234, 'EUR'],
      ['DE', 1234, 'EUR', 4999],
      ['DE', 1234, 'EUR', 5000],
      ['DE', 1234, 'EUR', 0],
      ['FR', 40_000, 'EUR'],
      ['US', 500, 'USD'],
      ['XX', 500, 'EUR'],
      ['DE', -1, 'EUR'],
    ];
    for (const parcel of parcels) expect(await remote.quoteAll(...parcel)).toEqual(await local.quoteAll(...parcel));
    expect(await remote.quoteAll('DE', 1234, 'EUR', 5000)).toEqual([
      { code: 'standard', name: 'Standard', price: { amount: 0, currency: 'EUR' } },
      { code: 'parcel', name: 'Parcel by weight', price: { amount: 609, currency: 'EUR' } },
    ]);
  });

  it('quotes one method, or none when it is not offered for the parcel', async () => {
    const asked: [string, string, number, string, number?][] = [
      ['standard', 'AT', 100, 'EUR'],
      ['standard', 'AT', 100, 'EUR', 6000],
      ['standard', 'US', 100, 'EUR'],
      ['parcel', 'FR', 40_000, 'EUR'],
      ['express', 'DE', 100, 'EUR'],
    ];
    for (const question of asked) expect(await remote.quote(...question)).toEqual(await local.quote(...question));
    expect(await remote.quote('standard', 'AT', 100, 'EUR')).toEqual({
      code: 'standard',
      name: 'Standard',
      price: { amount: 495, currency: 'EUR' },
    });
    expect(await remote.quote('standard', 'US', 100, 'EUR')).toBeNull();
  });

  it("is what ShippingGrpcClientsModule gives a module importing it for shipping's facades, closed with the app", async () => {
    const app = await Test.createTestingModule({
      imports: [ShippingGrpcClientsModule.forAddress(server.address)],
      providers: [ShippingUser],
    }).compile();
    const { rates, shipments } = app.get(ShippingUser);
    expect(rates).toBeInstanceOf(GrpcShippingRates);
    expect(shipments).toBeInstanceOf(GrpcShipments);
    expect(await rates.quoteAll('AT', 100, 'EUR')).toEqual(await local.quoteAll('AT', 100, 'EUR'));
    await app.close();
    await expect(rates.quoteAll('AT', 100, 'EUR')).rejects.toThrow('Channel has been shut down');
  });

  const client = {
    connect: (address: string, options?: object) => new GrpcShippingRates(address, options),
    call: (rates: GrpcShippingRates) => rates.quoteAll('DE', 100, 'EUR'),
  };

  it('fails fast with Unavailable once the shipping service is down', () => expectOutageWhenStopped(shippingRatesBinding(local), client));

  it('fails with Unavailable when the shipping service does not answer within the deadline', () =>
    expectOutageAfterDeadline(shippingRatesBinding(local), client));
});
