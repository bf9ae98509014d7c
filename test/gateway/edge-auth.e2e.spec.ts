import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { displayPrefix, generateApiKey, hashApiKey, insertApiKey } from '../../src/contexts/identity/application/api-keys';
import { PgApiKeyAuthenticator } from '../../src/contexts/identity/infrastructure/pg.api-key-authenticator';
import { PgRevokedSessions } from '../../src/contexts/identity/infrastructure/pg.revoked-sessions';
import { identityMigrations } from '../../src/contexts/identity/infrastructure/migrations';
import { AccessTokens } from '../../src/platform/http/access-tokens';
import { loadConfig } from '../../src/platform/config';
import { ManualClock, SystemClock } from '../../src/shared-kernel/clock';
import { newId } from '../../src/shared-kernel/ids';
import { migratedDatabase, testServers } from '../support/db';
import {
  type EchoService,
  expectProblem,
  JWT_SECRET,
  type Received,
  startEchoService,
  startTestGateway,
  type TestGateway,
  tokenFor,
} from './support';

/**
 * Credentials are checked at the edge with the services' own rules and problem codes, API keys and ended sessions
 * through identity's ports (here identity's PostgreSQL adapters on a database of the test's): a request refused
 * there never reaches a service, and one let through reaches it with its credentials unchanged.
 */
const suite = migratedDatabase(testServers()[0], identityMigrations);
let ordering: EchoService;
let catalog: EchoService;
let gateway: TestGateway;
let apiKey: string;

beforeAll(async () => {
  ordering = await startEchoService('ordering');
  catalog = await startEchoService('catalog');
  const clock = new SystemClock();
  gateway = await startTestGateway({
    services: { ordering, catalog },
    apiKeys: new PgApiKeyAuthenticator(suite.db, clock),
    revokedSessions: new PgRevokedSessions(suite.db),
  });
  apiKey = generateApiKey();
  await insertApiKey(suite.db, {
    id: newId(),
    name: 'reporting',
    keyHash: hashApiKey(apiKey),
    prefix: displayPrefix(apiKey),
    scopes: ['inventory:read'],
    createdBy: newId(),
    createdAt: clock.now(),
    expiresAt: null,
  });
});
afterAll(async () => {
  await gateway?.close();
  await ordering?.stop();
  await catalog?.stop();
});

let orderingCalls: number;
beforeEach(() => void (orderingCalls = ordering.received.length));

const orders = (headers: Record<string, string> = {}) => fetch(`${gateway.url}/api/v1/orders`, { headers });

const expectRefusedAtTheEdge = async (response: Response, status: number, code: string) => {
  const problem = await expectProblem(response, status, code);
  if (status === 401) expect(response.headers.get('www-authenticate')).toBe('Bearer realm="orderly"');
  expect(ordering.received).toHaveLength(orderingCalls);
  return problem;
};

describe('credentials refused at the edge (the service is never called)', () => {
  it('no credentials on a route that needs them', async () => {
    await expectRefusedAtTheEdge(await orders(), 401, 'auth.unauthenticated');
  });

  it('a malformed token, or one signed with another secret', async () => {
    await expectRefusedAtTheEdge(await orders({ authorization: 'Bearer not-a-jwt' }), 401, 'auth.unauthenticated');
    const foreign = new AccessTokens(loadConfig({ JWT_SECRET: 'another-secret-entirely-of-32-characters-or-more' }), new SystemClock());
    const { token } = await foreign.sign({ id: newId(), email: 'x@example.com', role: 'admin' }, newId());
    await expectRefusedAtTheEdge(await orders({ authorization: `Bearer ${token}` }), 401, 'auth.unauthenticated');
  });

  it('an expired token', async () => {
    const anHourAgo = new ManualClock(new Date(Date.now() - 60 * 60 * 1000));
    const stale = new AccessTokens(loadConfig({ JWT_SECRET }), anHourAgo);
    const { token } = await stale.sign({ id: newId(), email: 'x@example.com', role: 'customer' }, newId());
    await expectRefusedAtTheEdge(await orders({ authorization: `Bearer ${token}` }), 401, 'auth.unauthenticated');
  });

  it('a token of a session that ended (logout), from then on', async () => {
    const { token, sessionId } = await tokenFor('customer');
    expect((await orders({ authorization: `Bearer ${token}` })).status).toBe(200);
    orderingCalls = ordering.received.length;
    await suite.db.query('insert into identity.revoked_sessions (session_id, revoked_at) values ($1, now())', [sessionId]);
    const problem = await expectRefusedAtTheEdge(await orders({ authorization: `Bearer ${token}` }), 401, 'auth.unauthenticated');
    expect(problem.detail).toContain('session');
  });

  it('an unknown API key, and a well-formed one that was never issued', async () => {
    await expectRefusedAtTheEdge(await orders({ 'x-api-key': 'not-a-key' }), 401, 'auth.invalid_api_key');
    await expectRefusedAtTheEdge(await orders({ 'x-api-key': generateApiKey() }), 401, 'auth.invalid_api_key');
  });

  it('a token and an API key at once', async () => {
    const { token } = await tokenFor('admin');
    await expectRefusedAtTheEdge(
      await orders({ authorization: `Bearer ${token}`, 'x-api-key': apiKey }),
      400,
      'auth.ambiguous_credentials',
    );
  });
});

describe('credentials let through', () => {
  it('a valid token or API key reaches the service unchanged, which still authorises (roles, scopes)', async () => {
    const { token } = await tokenFor('customer');
    const withToken = (await (await orders({ authorization: `Bearer ${token}` })).json()) as Received;
    expect(withToken.headers.authorization).toBe(`Bearer ${token}`);
    // the key's scopes do not cover orders: that is for the ordering service to refuse, not the edge
    const withKey = (await (await orders({ 'x-api-key': apiKey })).json()) as Received;
    expect(withKey.headers['x-api-key']).toBe(apiKey);
    expect(ordering.received).toHaveLength(orderingCalls + 2);
  });

  it('on a public route, credentials that are not valid count as none, as they do in the services', async () => {
    for (const headers of [{ authorization: 'Bearer expired-or-forged' }, { 'x-api-key': generateApiKey() }]) {
      const response = await fetch(`${gateway.url}/api/v1/products`, { headers });
      expect(response.status).toBe(200);
      expect(((await response.json()) as Received).headers).toMatchObject(headers);
    }
  });
});
