import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CarrierDesk, openCarrierDesk } from '../../../../test/support/carrier-desk';
import { expectOutageAfterDeadline, expectOutageWhenStopped, serveOnLoopback } from '../../../platform/grpc/facade-outages.fixtures';
import type { GrpcFacadeServer } from '../../../platform/grpc/grpc-facade-server';
import { toProblem } from '../../../platform/http/problem-details.filter';
import { DomainError } from '../../../shared-kernel/errors';
import { newId } from '../../../shared-kernel/ids';
import type { DispatchRequest } from '../contracts';
import { shippingGrpcBindings } from './grpc.facades';
import { GrpcShipments, shipmentsBinding } from './grpc.shipments';

let desk: CarrierDesk;
let server: GrpcFacadeServer;
let remote: GrpcShipments;

beforeAll(async () => {
  desk = await openCarrierDesk();
  server = await serveOnLoopback(shippingGrpcBindings(desk.t.app));
  remote = new GrpcShipments(server.address);
});
afterAll(async () => {
  remote?.onApplicationShutdown();
  await server?.stop();
  await desk?.t.close();
});

const failureOf = async (work: Promise<unknown>): Promise<DomainError> => {
  const error = await work.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
};
const problemOf = ({ kind, code, message, details }: DomainError) => ({ kind, code, message, details });

describe('Shipments over gRPC', () => {
  it('dispatches: the shipment is recorded with the address and the time of the caller’s command meta', async () => {
    const dispatch = desk.request({ address: { ...desk.address, line2: 'Back house' } });
    const meta = desk.meta();
    const { shipmentId } = await remote.dispatch(dispatch, meta);
    expect(await desk.shipments.dispatch(dispatch, desk.meta())).toEqual({ shipmentId });
    const shown = (await desk.shipmentOf(dispatch.orderId)).json();
    expect(shown).toMatchObject({
      shipmentId,
      orderId: dispatch.orderId,
      carrier: 'sandbox',
      trackingNumber: dispatch.trackingNumber,
      status: 'dispatched',
      address: dispatch.address,
      dispatchedAt: meta.now.toISOString(),
    });
  });

  it('is idempotent per order and refuses another parcel for it as shipping.already_dispatched (409)', async () => {
    const dispatch = desk.request();
    const first = await remote.dispatch(dispatch, desk.meta());
    expect(await remote.dispatch(dispatch, desk.meta())).toEqual(first);
    const another = { ...dispatch, trackingNumber: desk.nextTrackingNumber() };
    const overGrpc = await failureOf(remote.dispatch(another, desk.meta()));
    expect(overGrpc).toMatchObject({ kind: 'conflict', code: 'shipping.already_dispatched' });
    const inProcess = await failureOf(desk.shipments.dispatch(another, desk.meta()));
    expect(problemOf(overGrpc)).toEqual(problemOf(inProcess));
    expect(toProblem(overGrpc)).toEqual(toProblem(inProcess));
  });

  it('refuses what shipping refuses in process, with the same problem', async () => {
    const taken = desk.request();
    await remote.dispatch(taken, desk.meta());
    const refusals: [DispatchRequest, string, string][] = [
      [desk.request({ carrier: 'acme-post' }), 'unprocessable', 'shipping.unknown_carrier'],
      [desk.request({ trackingNumber: 'SBX12' }), 'unprocessable', 'shipping.tracking_number_refused'],
      [desk.request({ trackingNumber: taken.trackingNumber }), 'conflict', 'shipping.tracking_number_in_use'],
      [desk.request({ address: { ...desk.address, country: 'XX' } }), 'validation', 'shipping.invalid_dispatch_request'],
    ];
    for (const [dispatch, kind, code] of refusals) {
      const overGrpc = await failureOf(remote.dispatch(dispatch, desk.meta()));
      expect(overGrpc).toMatchObject({ kind, code });
      expect(problemOf(overGrpc)).toEqual(problemOf(await failureOf(desk.shipments.dispatch(dispatch, desk.meta()))));
    }
    const invalid = await failureOf(remote.dispatch(desk.request({ orderId: '../etc' }), desk.meta()));
    expect(invalid.details).toEqual({ fields: ['orderId'] });
    expect((await desk.shipmentOf(refusals[0][0].orderId)).statusCode).toBe(404);
  });

  it('checks a dispatch as in process: nothing to say, or the refusal', async () => {
    await expect(remote.checkDispatch(desk.request())).resolves.toBeUndefined();
    const unknownCarrier = desk.request({ carrier: 'acme-post' });
    expect(problemOf(await failureOf(remote.checkDispatch(unknownCarrier)))).toEqual(
      problemOf(await failureOf(desk.shipments.checkDispatch(unknownCarrier))),
    );
    const taken = desk.request();
    await remote.dispatch(taken, desk.meta());
    await expect(remote.checkDispatch({ ...taken, orderId: newId() })).rejects.toMatchObject({ code: 'shipping.tracking_number_in_use' });
    await expect(remote.checkDispatch(taken)).resolves.toBeUndefined();
  });

  const client = {
    connect: (address: string, options?: object) => new GrpcShipments(address, options),
    call: (shipments: GrpcShipments) => shipments.checkDispatch(desk.request()),
  };

  it('fails fast with Unavailable once the shipping service is down', () =>
    expectOutageWhenStopped(shipmentsBinding(desk.shipments), client));

  it('fails with Unavailable when the shipping service does not answer within the deadline', () =>
    expectOutageAfterDeadline(shipmentsBinding(desk.shipments), client));
});
