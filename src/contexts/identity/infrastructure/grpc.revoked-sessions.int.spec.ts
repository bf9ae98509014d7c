import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../../../test/support/app';
import { expectOutageAfterDeadline, expectOutageWhenStopped, serveOnLoopback } from '../../../platform/grpc/facade-outages.fixtures';
import type { GrpcFacadeServer } from '../../../platform/grpc/grpc-facade-server';
import { RevokedSessions } from '../../../platform/http/revoked-sessions';
import { newId } from '../../../shared-kernel/ids';
import { identityGrpcBindings } from './grpc.facades';
import { GrpcRevokedSessions, revokedSessionsBinding } from './grpc.revoked-sessions';

let t: TestApp;
let server: GrpcFacadeServer;
let local: RevokedSessions;
let remote: GrpcRevokedSessions;

beforeAll(async () => {
  t = await bootTestApp();
  local = t.get(RevokedSessions);
  server = await serveOnLoopback(identityGrpcBindings(t.app));
  remote = new GrpcRevokedSessions(server.address);
});
afterAll(async () => {
  remote?.onApplicationShutdown();
  await server?.stop();
  await t?.close();
});

/** The session an access token belongs to (its `sid` claim). */
const sessionOf = (accessToken: string): string => JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).sid;

describe('RevokedSessions over gRPC', () => {
  it('tells a revoked session from a live one as identity does in process', async () => {
    const { token, refreshToken } = await t.registerAndLogin('customer');
    const session = sessionOf(token);
    expect(await remote.isRevoked(session)).toBe(false);
    expect(await local.isRevoked(session)).toBe(false);

    const loggedOut = await t.inject('POST', '/api/v1/auth/logout', { body: { refreshToken } });
    expect(loggedOut.statusCode, loggedOut.body).toBe(204);
    expect(await remote.isRevoked(session)).toBe(true);
    expect(await local.isRevoked(session)).toBe(true);
    expect(await remote.isRevoked(newId())).toBe(false);
  });

  const client = {
    connect: (address: string, options?: object) => new GrpcRevokedSessions(address, options),
    call: (sessions: GrpcRevokedSessions) => sessions.isRevoked(newId()),
  };

  it('fails fast with Unavailable once the identity service is down (never a valid session)', () =>
    expectOutageWhenStopped(revokedSessionsBinding(local), client));

  it('fails with Unavailable when the identity service does not answer within the deadline', () =>
    expectOutageAfterDeadline(revokedSessionsBinding(local), client));
});
