import type { OnApplicationShutdown } from '@nestjs/common';
import { expect } from 'vitest';
import { AppLogger } from '../observability/logger';
import type { GrpcClientOptions } from './grpc-client-options';
import { type FacadeBinding, GrpcFacadeServer, type UnaryHandler } from './grpc-facade-server';

/* What every facade's spec checks of its client the same way: a peer that is down, or too slow, is an outage. */

/** Serves `bindings` on a free loopback port, logging nothing; stop the server after the test. */
export const serveOnLoopback = async (bindings: readonly FacadeBinding[]): Promise<GrpcFacadeServer> => {
  const server = new GrpcFacadeServer(bindings, { logger: AppLogger.create('silent'), shutdownGraceMs: 2_000 });
  await server.start();
  return server;
};

/** A facade's gRPC client as a spec drives it: how to make one, and one call that succeeds against the real service. */
export type ClientUnderTest<Client> = {
  connect: (address: string, options?: Partial<GrpcClientOptions>) => Client & OnApplicationShutdown;
  call: (client: Client) => Promise<unknown>;
};

const OUTAGE = { kind: 'unavailable', code: 'service.unavailable' };

/** The call succeeds while the server runs; once it stopped, the same client throws Unavailable within a second. */
export const expectOutageWhenStopped = async <Client>(binding: FacadeBinding, { connect, call }: ClientUnderTest<Client>) => {
  const server = await serveOnLoopback([binding]);
  const client = connect(server.address);
  try {
    await call(client);
    await server.stop();
    const started = performance.now();
    await expect(call(client)).rejects.toMatchObject(OUTAGE);
    expect(performance.now() - started).toBeLessThan(1_000);
  } finally {
    client.onApplicationShutdown();
    await server.stop();
  }
};

/** Every handler of `binding` waits for `gate` first. */
const heldBack = (binding: FacadeBinding, gate: Promise<void>): FacadeBinding => ({
  service: binding.service,
  handlers: Object.fromEntries(
    Object.entries(binding.handlers).map(([method, handler]): [string, UnaryHandler<never, unknown>] => [
      method,
      async (request, call) => {
        await gate;
        return handler(request, call);
      },
    ]),
  ),
});

/** A server that answers after the client's deadline (100 ms): the client throws Unavailable at the deadline. */
export const expectOutageAfterDeadline = async <Client>(binding: FacadeBinding, { connect, call }: ClientUnderTest<Client>) => {
  let release = () => {};
  const server = await serveOnLoopback([heldBack(binding, new Promise<void>((resolve) => (release = resolve)))]);
  const client = connect(server.address, { deadlineMs: 100 });
  try {
    const started = performance.now();
    await expect(call(client)).rejects.toMatchObject(OUTAGE);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(90);
    expect(waited).toBeLessThan(1_000);
  } finally {
    release();
    client.onApplicationShutdown();
    await server.stop();
  }
};
