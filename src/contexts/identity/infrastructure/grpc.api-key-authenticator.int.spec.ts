import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../../../test/support/app';
import { expectOutageAfterDeadline, expectOutageWhenStopped, serveOnLoopback } from '../../../platform/grpc/facade-outages.fixtures';
import type { GrpcFacadeServer } from '../../../platform/grpc/grpc-facade-server';
import { ApiKeyAuthenticator } from '../../../platform/http/api-keys';
import { apiKeyAuthenticatorBinding, GrpcApiKeyAuthenticator } from './grpc.api-key-authenticator';
import { identityGrpcBindings } from './grpc.facades';

let t: TestApp;
let admin: string;
let server: GrpcFacadeServer;
let local: ApiKeyAuthenticator;
let remote: GrpcApiKeyAuthenticator;

beforeAll(async () => {
  t = await bootTestApp();
  admin = (await t.registerAndLogin('admin')).token;
  local = t.get(ApiKeyAuthenticator);
  server = await serveOnLoopback(identityGrpcBindings(t.app));
  remote = new GrpcApiKeyAuthenticator(server.address);
});
afterAll(async () => {
  remote?.onApplicationShutdown();
  await server?.stop();
  await t?.close();
});

const issue = async (scopes: string[]): Promise<{ id: string; key: string }> => {
  const issued = await t.inject('POST', '/api/v1/api-keys', { token: admin, body: { name: 'warehouse sync', scopes } });
  expect(issued.statusCode, issued.body).toBe(201);
  return issued.json();
};

describe('ApiKeyAuthenticator over gRPC', () => {
  it('resolves a key to its principal as identity does in process, and refuses what identity refuses', async () => {
    const { id, key } = await issue(['orders:read', 'inventory:write']);
    expect(await remote.authenticate(key)).toEqual({ keyId: id, scopes: ['inventory:write', 'orders:read'] });
    expect(await remote.authenticate(key)).toEqual(await local.authenticate(key));

    const unknown = `ok_${'A'.repeat(43)}`;
    for (const refused of ['', 'not-a-key', unknown]) expect(await remote.authenticate(refused)).toBeNull();

    expect((await t.inject('DELETE', `/api/v1/api-keys/${id}`, { token: admin })).statusCode).toBe(204);
    expect(await remote.authenticate(key)).toBeNull();
    expect(await local.authenticate(key)).toBeNull();
  });

  const client = {
    connect: (address: string, options?: object) => new GrpcApiKeyAuthenticator(address, options),
    call: (authenticator: GrpcApiKeyAuthenticator) => authenticator.authenticate('not-a-key'),
  };

  it('fails fast with Unavailable once the identity service is down (never a refused key)', () =>
    expectOutageWhenStopped(apiKeyAuthenticatorBinding(local), client));

  it('fails with Unavailable when the identity service does not answer within the deadline', () =>
    expectOutageAfterDeadline(apiKeyAuthenticatorBinding(local), client));
});
