import { Socket } from 'node:net';

export type Backend = 'postgres-local' | 'redis' | 'rabbitmq' | 'nats';

export const BACKEND_URLS = {
  'postgres-local': process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  rabbitmq: process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  nats: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
} as const;

const port = (url: string) => Number(new URL(url).port);
const host = (url: string) => new URL(url).hostname;

export const isReachable = (url: string, timeoutMs = 1000): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port(url), host(url), () => done(true));
  });

/** Set by the global setup: which real servers this run exercises. */
export const available = (backend: Backend): boolean => (process.env.ORDERLY_TEST_BACKENDS ?? '').split(',').includes(backend);
