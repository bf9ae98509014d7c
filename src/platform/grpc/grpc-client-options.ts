import type { ChannelCredentials } from '@grpc/grpc-js';
import { intSetting } from '../settings';

/** How a facade client calls its service. */
export type GrpcClientOptions = {
  /** A call without an answer by then fails with Unavailable (503); the server sees the same deadline. */
  deadlineMs: number;
  /** An idle connection is pinged this often, so a peer gone without closing it is noticed before a call waits on it. */
  keepaliveMs: number;
  /** Default: plaintext, for a private network; pass `credentials.createSsl(…)` across untrusted ones. */
  credentials?: ChannelCredentials;
};

export const DEFAULT_GRPC_CLIENT_OPTIONS: GrpcClientOptions = { deadlineMs: 5_000, keepaliveMs: 30_000 };

/** The environment variables of the facade clients (for the config's schema, as the HTTP timeouts are). */
export const GRPC_CLIENT_SETTINGS = {
  GRPC_DEADLINE_MS: intSetting(10, 600_000, DEFAULT_GRPC_CLIENT_OPTIONS.deadlineMs),
  GRPC_KEEPALIVE_MS: intSetting(1_000, 3_600_000, DEFAULT_GRPC_CLIENT_OPTIONS.keepaliveMs),
};

export const grpcClientOptionsOf = (env: Record<keyof typeof GRPC_CLIENT_SETTINGS, number>): GrpcClientOptions => ({
  deadlineMs: env.GRPC_DEADLINE_MS,
  keepaliveMs: env.GRPC_KEEPALIVE_MS,
});
