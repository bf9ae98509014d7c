import { join } from 'node:path';
import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { moneyFromWire, moneyToWire, type MoneyWire } from '../../../platform/grpc/common-wire';
import { loadFacadeService } from '../../../platform/grpc/facade-service';
import type { GrpcClientOptions } from '../../../platform/grpc/grpc-client-options';
import { createFacadeClient, type FacadeClient } from '../../../platform/grpc/grpc-facade-client';
import { bindFacade, type FacadeBinding } from '../../../platform/grpc/grpc-facade-server';
import { type ShippingQuote, ShippingRates } from '../contracts';

/** shipping.proto sits next to the contracts, in src/ and (copied by the build) in dist/. */
const shippingRatesService = () => loadFacadeService(join(__dirname, '../contracts/shipping.proto'), 'orderly.shipping.v1.ShippingRates');

type ShippingQuoteWire = { code: string; name: string; price: MoneyWire | null };
type QuoteAllRequest = { country: string; weightGrams: number; currency: string; subtotal?: number };
type QuoteAllResponse = { quotes: ShippingQuoteWire[] };
type QuoteRequest = QuoteAllRequest & { code: string };
type QuoteResponse = { quote: ShippingQuoteWire | null };

const quoteToWire = ({ code, name, price }: ShippingQuote): ShippingQuoteWire => ({ code, name, price: moneyToWire(price) });
const quoteFromWire = ({ code, name, price }: ShippingQuoteWire): ShippingQuote => ({ code, name, price: moneyFromWire(price, 'price') });

const parcel = (country: string, weightGrams: number, currency: string, subtotal: number | undefined): QuoteAllRequest => ({
  country,
  weightGrams,
  currency,
  ...(subtotal !== undefined ? { subtotal } : {}),
});

/** ShippingRates answered by the shipping service: checkout's rates, for a process that does not run shipping. */
export class GrpcShippingRates extends ShippingRates implements OnApplicationShutdown {
  private readonly client: FacadeClient;

  constructor(address: string, options?: Partial<GrpcClientOptions>) {
    super();
    this.client = createFacadeClient(shippingRatesService(), address, options);
  }

  async quoteAll(country: string, weightGrams: number, currency: string, subtotal?: number): Promise<ShippingQuote[]> {
    const request = parcel(country, weightGrams, currency, subtotal);
    const { quotes } = await this.client.call<QuoteAllRequest, QuoteAllResponse>('QuoteAll', request);
    return quotes.map(quoteFromWire);
  }

  async quote(code: string, country: string, weightGrams: number, currency: string, subtotal?: number): Promise<ShippingQuote | null> {
    const request = { code, ...parcel(country, weightGrams, currency, subtotal) };
    const { quote } = await this.client.call<QuoteRequest, QuoteResponse>('Quote', request);
    return quote ? quoteFromWire(quote) : null;
  }

  onApplicationShutdown(): void {
    this.client.close();
  }
}

/** Serves `rates` (the in-process ShippingRates) as orderly.shipping.v1.ShippingRates. */
export const shippingRatesBinding = (rates: ShippingRates): FacadeBinding =>
  bindFacade(shippingRatesService(), {
    QuoteAll: async ({ country, weightGrams, currency, subtotal }: QuoteAllRequest): Promise<QuoteAllResponse> => ({
      quotes: (await rates.quoteAll(country, weightGrams, currency, subtotal)).map(quoteToWire),
    }),
    Quote: async ({ code, country, weightGrams, currency, subtotal }: QuoteRequest): Promise<QuoteResponse> => {
      const quote = await rates.quote(code, country, weightGrams, currency, subtotal);
      return { quote: quote ? quoteToWire(quote) : null };
    },
  });

/** Provides and exports ShippingRates as a client of the shipping service at `address` (`host:port`). */
@Module({})
export class ShippingRatesGrpcClientModule {
  static forAddress(address: string, options?: Partial<GrpcClientOptions>): DynamicModule {
    return {
      module: ShippingRatesGrpcClientModule,
      providers: [{ provide: ShippingRates, useFactory: () => new GrpcShippingRates(address, options) }],
      exports: [ShippingRates],
    };
  }
}
