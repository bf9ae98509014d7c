import { intSetting } from '../settings';

/**
 * The environment variables of the readiness check (part of the config's schema). A check's timeout stays under the
 * one second orchestrators give a probe by default, so a hung dependency is answered 503, not left to the prober's
 * own timeout.
 */
export const READINESS_SETTINGS = {
  READINESS_CHECK_TIMEOUT_MS: intSetting(10, 60_000, 800),
  // at least 10 s: a consumer saves the position it passed over unwanted events to only every 5 s (pg.log-consumers.ts)
  CONSUMER_STUCK_AFTER_MS: intSetting(10_000, 86_400_000, 60_000),
};

/**
 * `checkTimeoutMs`: how long one dependency check (database, consumers) may take before it counts as down.
 * `consumerStuckAfterMs`: a log consumer is stuck when the oldest event it has not processed is older than this, its
 * checkpoint has not moved for as long, and it is not retrying a recorded failure (see `ConsumerStallWatch`).
 */
export type ReadinessSettings = { checkTimeoutMs: number; consumerStuckAfterMs: number };

export const readinessSettingsOf = (env: Record<keyof typeof READINESS_SETTINGS, number>): ReadinessSettings => ({
  checkTimeoutMs: env.READINESS_CHECK_TIMEOUT_MS,
  consumerStuckAfterMs: env.CONSUMER_STUCK_AFTER_MS,
});
