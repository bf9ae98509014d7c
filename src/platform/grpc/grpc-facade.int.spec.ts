import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CommandMeta } from '../event-store/event-store';
import { AppLogger, withLogContext } from '../observability/logger';
import { flushTracing, startTracing, stopTracing } from '../observability/tracing';
import { currentTraceContext } from '../observability/tracing-context';
import { currentCorrelationId } from './call-context';
import { commandMetaFromWire, commandMetaToWire, type CommandMetaWire, moneyFromWire, moneyToWire, type MoneyWire } from './common-wire';
import { type FacadeService, loadFacadeService } from './facade-service';
import { createFacadeClient, type FacadeClient } from './grpc-facade-client';
import { bindFacade, type FacadeBinding, GrpcFacadeServer } from './grpc-facade-server';
import { GrpcCallFailed } from './grpc-errors';

/* The server and the client over loopback with a service of this spec's own, importing common.proto as the
   contexts' services do. */

const ECHO_PROTO = `
syntax = "proto3";
package orderly.test.v1;
import "common.proto";
service Echo {
  rpc Echo(EchoRequest) returns (EchoResponse);
  rpc Fail(EchoRequest) returns (EchoResponse);
}
message EchoRequest {
  orderly.common.v1.Money money = 1;
  orderly.common.v1.CommandMeta meta = 2;
  int32 wait_ms = 3;
}
message EchoResponse {
  orderly.common.v1.Money money = 1;
  orderly.common.v1.CommandMeta meta = 2;
  string correlation_id = 3;
  string logged_correlation_id = 4;
  string traceparent = 5;
}
`;

type EchoRequest = { money: MoneyWire | null; meta: CommandMetaWire | null; waitMs: number };
type EchoResponse = {
  money: MoneyWire | null;
  meta: CommandMetaWire | null;
  correlationId: string;
  loggedCorrelationId: string;
  traceparent: string;
};

let protoDir: string;
let echo: FacadeService;
const logLines: Record<string, unknown>[] = [];
const logger = AppLogger.create(
  'info',
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  }),
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const echoBinding = (): FacadeBinding =>
  bindFacade(echo, {
    Echo: async ({ money, meta, waitMs }: EchoRequest, call): Promise<EchoResponse> => {
      await sleep(waitMs);
      return {
        money: money && moneyToWire(moneyFromWire(money)),
        meta: meta && commandMetaToWire(commandMetaFromWire(meta, call)),
        correlationId: call.correlationId ?? '',
        loggedCorrelationId: currentCorrelationId() ?? '',
        traceparent: currentTraceContext().traceparent ?? '',
      };
    },
    Fail: async () => {
      throw new Error('the secret table is corrupt');
    },
  });

const started: { server: GrpcFacadeServer; client: FacadeClient }[] = [];
const serve = async (options: { shutdownGraceMs?: number } = {}) => {
  const server = new GrpcFacadeServer([echoBinding()], { logger, ...options });
  await server.start();
  const client = createFacadeClient(echo, server.address);
  started.push({ server, client });
  return { server, client };
};

const call = (client: FacadeClient, request: Partial<EchoRequest> = {}, options?: { correlationId?: string }) =>
  client.call<EchoRequest, EchoResponse>('Echo', { money: null, meta: null, waitMs: 0, ...request }, options);

beforeAll(() => {
  protoDir = mkdtempSync(join(tmpdir(), 'orderly-grpc-'));
  writeFileSync(join(protoDir, 'echo.proto'), ECHO_PROTO);
  echo = loadFacadeService(join(protoDir, 'echo.proto'), 'orderly.test.v1.Echo');
});
afterEach(async () => {
  for (const { server, client } of started.splice(0)) {
    client.close();
    await server.stop();
  }
});
afterAll(() => rmSync(protoDir, { recursive: true, force: true }));

describe('GrpcFacadeServer', () => {
  it('binds the loopback interface on a free port by default and says where', async () => {
    const { server } = await serve();
    expect(server.port).toBeGreaterThan(0);
    expect(server.address).toBe(`127.0.0.1:${server.port}`);
  });

  it('refuses a binding that leaves a method without a handler or names one the service lacks', () => {
    const answer = async () => ({});
    expect(() => bindFacade(echo, { Echo: answer })).toThrow('missing [Fail]');
    expect(() => bindFacade(echo, { Echo: answer, Fail: answer, Shout: answer })).toThrow('unknown [Shout]');
  });

  it('carries money (int64 amounts) and CommandMeta as they were', async () => {
    const { client } = await serve();
    const meta: CommandMeta = {
      commandId: 'c-1',
      correlationId: 'k-1',
      causationId: 'cause-1',
      userId: 'u-1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'vendor=1',
      now: new Date('2026-03-01T10:00:00.123Z'),
    };
    const answered = await call(client, { money: { amount: Number.MAX_SAFE_INTEGER, currency: 'EUR' }, meta: commandMetaToWire(meta) });
    expect(answered.money).toEqual({ amount: Number.MAX_SAFE_INTEGER, currency: 'EUR' });
    // this process does not trace: the caller's trace context passes on unchanged
    expect(commandMetaFromWire(answered.meta, { trace: {} })).toEqual(meta);

    const bare: CommandMeta = { commandId: 'c-2', correlationId: 'k-2', now: new Date(-1) };
    expect(commandMetaFromWire((await call(client, { meta: commandMetaToWire(bare) })).meta, { trace: {} })).toEqual(bare);
  });

  it("continues the caller's correlation id: the request's, or the command's when the call names one", async () => {
    const { client } = await serve();
    const inRequest = await withLogContext({ correlationId: 'req-42' }, () => call(client));
    expect(inRequest).toMatchObject({ correlationId: 'req-42', loggedCorrelationId: 'req-42' });
    const named = await withLogContext({ correlationId: 'req-42' }, () => call(client, {}, { correlationId: 'cmd-7' }));
    expect(named).toMatchObject({ correlationId: 'cmd-7', loggedCorrelationId: 'cmd-7' });
    expect(await call(client)).toMatchObject({ correlationId: '', loggedCorrelationId: '' });
    expect(await call(client, {}, { correlationId: 'not a safe token!' })).toMatchObject({ correlationId: '' });
  });

  it('answers an unexpected error as INTERNAL without its message, and logs it with the correlation id', async () => {
    const { client } = await serve();
    const failed = withLogContext({ correlationId: 'req-9' }, () =>
      client.call<EchoRequest, EchoResponse>('Fail', { money: null, meta: null, waitMs: 0 }),
    );
    await expect(failed).rejects.toBeInstanceOf(GrpcCallFailed);
    await expect(failed).rejects.not.toMatchObject({ message: expect.stringContaining('secret') });
    expect(logLines.at(-1)).toMatchObject({
      level: 'error',
      msg: 'gRPC call failed',
      correlationId: 'req-9',
      service: 'orderly.test.v1.Echo',
      method: 'Fail',
      err: { message: 'the secret table is corrupt' },
    });
  });

  it('lets a call in progress finish when it stops, and refuses calls from then on', async () => {
    const { server, client } = await serve();
    const inProgress = call(client, { waitMs: 300 });
    await sleep(50);
    const stopped = server.stop();
    await expect(inProgress).resolves.toMatchObject({ correlationId: '' });
    await stopped;
    await expect(call(client)).rejects.toMatchObject({ kind: 'unavailable', code: 'service.unavailable' });
  });

  it('cuts off calls still running at the end of the grace period', async () => {
    const { server, client } = await serve({ shutdownGraceMs: 100 });
    const tooLong = call(client, { waitMs: 3_000 });
    tooLong.catch(() => undefined);
    await sleep(50);
    const stopping = performance.now();
    await server.stop();
    expect(performance.now() - stopping).toBeLessThan(1_000);
    await expect(tooLong).rejects.toMatchObject({ kind: 'unavailable', code: 'service.unavailable' });
    expect(logLines.at(-1)).toMatchObject({ level: 'warn', msg: 'gRPC calls still running at the end of the grace period: cut off' });
  });
});

describe('a client of a service that is not there', () => {
  it('fails at once with Unavailable: nothing listens on the port', async () => {
    const { server } = await serve();
    const address = server.address;
    await server.stop();
    const client = createFacadeClient(echo, address);
    try {
      const asked = performance.now();
      await expect(call(client)).rejects.toMatchObject({ kind: 'unavailable', code: 'service.unavailable' });
      expect(performance.now() - asked).toBeLessThan(1_000);
    } finally {
      client.close();
    }
  });
});

describe('with tracing on', () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    expect(startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] })).toBe(true);
  });
  afterAll(() => stopTracing());

  it("continues the caller's trace: a CLIENT span, then a SERVER span whose context the handler and its commands get", async () => {
    const { client } = await serve();
    const meta: CommandMeta = { commandId: 'c-3', correlationId: 'k-3', now: new Date('2026-03-01T10:00:00Z') };
    const { answered, traceId } = await trace.getTracer('test').startActiveSpan('POST /api/v1/checkout', async (request) => {
      const result = await call(client, { meta: commandMetaToWire({ ...meta, ...currentTraceContext() }) });
      request.end();
      return { answered: result, traceId: request.spanContext().traceId };
    });

    await flushTracing();
    const spans = exporter.getFinishedSpans();
    const clientSpan = spans.find((span) => span.kind === SpanKind.CLIENT)!;
    const serverSpan = spans.find((span) => span.kind === SpanKind.SERVER && span.name === 'orderly.test.v1.Echo/Echo')!;
    expect(clientSpan).toMatchObject({
      name: 'orderly.test.v1.Echo/Echo',
      attributes: { 'rpc.system': 'grpc', 'rpc.service': 'orderly.test.v1.Echo', 'rpc.method': 'Echo', 'rpc.grpc.status_code': 0 },
    });
    expect(clientSpan.spanContext().traceId).toBe(traceId);
    expect(serverSpan.spanContext().traceId).toBe(traceId);
    expect(serverSpan.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);

    const serverTraceparent = `00-${traceId}-${serverSpan.spanContext().spanId}-01`;
    expect(answered.traceparent).toBe(serverTraceparent);
    // what the command appends on the server is caused by the server span
    expect(answered.meta).toMatchObject({ traceparent: serverTraceparent });
  });
});
