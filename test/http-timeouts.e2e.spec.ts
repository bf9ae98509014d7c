import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../src/platform/persistence/database';
import { newId } from '../src/shared-kernel/ids';
import { bootTestApp, type TestApp } from './support/app';

const HEADERS_TIMEOUT_MS = 1500;
const REQUEST_TIMEOUT_MS = 2500;
const KEEP_ALIVE_TIMEOUT_MS = 1000;
/** Bounds every wait: a server that never cuts a slow client off fails the test instead of hanging it. */
const MAX_STEPS = 20;

let t: TestApp;
let port: number;
const sockets = new Set<Socket>();

beforeAll(async () => {
  t = await bootTestApp({
    env: {
      RATE_LIMITS: 'on',
      RATE_LIMIT_REFRESH: '1/1h',
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
    },
  });
  await t.app.listen(0, '127.0.0.1');
  port = (t.app.getHttpServer().address() as { port: number }).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await t?.close();
});

/** A raw connection to the app that records what the server sends and whether the server closed it. */
const open = async () => {
  const socket = connect(port, '127.0.0.1');
  sockets.add(socket);
  let received = '';
  let closed = false;
  socket.on('data', (chunk) => (received += chunk.toString()));
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return { socket, received: () => received, closed: () => closed };
};

/** Sends `text` one byte per second until the server closes the connection (or every byte is sent). Returns the bytes sent. */
const trickle = async (connection: Awaited<ReturnType<typeof open>>, text: string): Promise<number> => {
  for (let sent = 0; sent < Math.min(text.length, MAX_STEPS); sent++) {
    if (connection.closed()) return sent;
    connection.socket.write(text[sent]);
    await sleep(1000);
  }
  return Math.min(text.length, MAX_STEPS);
};

const problemOf = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { status: number; code: string };

describe('slow and oversized requests on a real socket', () => {
  it('cuts off a body trickled one byte per second after the request timeout (408), and nothing is written', async () => {
    const email = `slow-${newId()}@example.com`;
    const body = JSON.stringify({ email, password: 'correct horse battery staple', name: 'Slow Loris' }).padEnd(1024, ' ');
    const connection = await open();
    connection.socket.write(
      `POST /api/v1/auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );

    const sent = await trickle(connection, body);
    expect(connection.closed()).toBe(true);
    expect(sent).toBeLessThan(MAX_STEPS);
    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(connection.received()).toMatch(/content-type: application\/problem\+json/i);
    expect(problemOf(connection.received())).toMatchObject({ status: 408, code: 'request.timeout' });
    const { rows } = await t.get(Database).query('select 1 from identity.users where email = $1', [email]);
    expect(rows).toHaveLength(0);
  });

  it('answers a request refused before its body arrived once: a body trickled after it gets no second answer', async () => {
    const body = JSON.stringify({ refreshToken: `spent-${newId()}` });
    const request = `POST /api/v1/auth/refresh HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    // the one refresh the address may send this hour
    const first = await open();
    first.socket.write(`${request}${body}`);
    for (let step = 0; step < MAX_STEPS && !first.received().includes('\r\n\r\n'); step++) await sleep(100);
    expect(first.received()).toMatch(/^HTTP\/1\.1 401 /);

    // refused by the rate limit as soon as its headers are in, then the body follows too slowly to finish in time
    const connection = await open();
    connection.socket.write(request);
    await trickle(connection, body);
    expect(connection.closed()).toBe(true);
    expect(connection.received()).toMatch(/^HTTP\/1\.1 429 /);
    expect(connection.received().match(/HTTP\/1\.1 \d{3} /g)).toHaveLength(1);
  });

  it('cuts off headers trickled one byte per second after the headers timeout', async () => {
    const connection = await open();
    connection.socket.write('GET /api/v1/products HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const sent = await trickle(connection, `X-Slow: ${'a'.repeat(100)}\r\n\r\n`);
    expect(connection.closed()).toBe(true);
    expect(sent).toBeLessThan(MAX_STEPS);
    expect(problemOf(connection.received())).toMatchObject({ status: 408, code: 'request.timeout' });
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const connection = await open();
    connection.socket.write('GET /api/v1/categories HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    let waited = 0;
    for (; waited < MAX_STEPS && !connection.closed(); waited++) await sleep(500);
    expect(connection.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(connection.received().toLowerCase()).toContain('connection: keep-alive');
    // closed by the server: this side never ended it
    expect(connection.closed()).toBe(true);
    expect(waited).toBeLessThan(MAX_STEPS);
  });

  it('answers headers larger than the server accepts with 431 problem+json', async () => {
    const connection = await open();
    connection.socket.write(`GET /api/v1/categories HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(64 * 1024)}\r\n\r\n`);
    for (let step = 0; step < MAX_STEPS && !connection.closed(); step++) await sleep(100);
    expect(connection.closed()).toBe(true);
    expect(problemOf(connection.received())).toMatchObject({ status: 431, code: 'request.headers_too_large' });
  });

  it('serves a client that sends its request in time', async () => {
    const connection = await open();
    connection.socket.write('GET /api/v1/categories HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    for (let step = 0; step < MAX_STEPS && !connection.closed(); step++) await sleep(100);
    expect(connection.received()).toMatch(/^HTTP\/1\.1 200 /);
  });
});
