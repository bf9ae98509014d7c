import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimited } from '../../shared-kernel/errors';
import { Config } from '../config';
import { REDIS } from '../redis';
import { RATE_LIMIT_POLICY_NAMES, type RateLimitPolicy, type RateLimitRule } from './rate-limit-policies';

/** How one request fared against its policy: what the RateLimit headers report. */
export type RateLimitVerdict = {
  policy: RateLimitPolicy;
  allowed: boolean;
  limit: number;
  remaining: number;
  /** seconds until the current window ends (at least 1) */
  resetS: number;
  windowS: number;
};

/** 429: the caller used up its requests of a policy for the current window. */
export class RateLimitExceeded extends RateLimited {
  constructor(verdict: RateLimitVerdict) {
    super('request.rate_limited', `too many requests; retry in ${verdict.resetS} s`, {
      policy: verdict.policy,
      retryAfterSeconds: verdict.resetS,
    });
  }
}

/** The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers, the RateLimit-Limit/-Remaining/-Reset form). */
export const rateLimitHeaders = (verdict: RateLimitVerdict): Record<string, string> => ({
  'ratelimit-policy': `${verdict.limit};w=${verdict.windowS}`,
  'ratelimit-limit': String(verdict.limit),
  'ratelimit-remaining': String(verdict.remaining),
  'ratelimit-reset': String(verdict.resetS),
});

const toVerdict = (policy: RateLimitPolicy, rule: RateLimitRule, res: RateLimiterRes, allowed: boolean): RateLimitVerdict => ({
  policy,
  allowed,
  limit: rule.points,
  remaining: Math.max(0, res.remainingPoints),
  resetS: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
  windowS: rule.durationS,
});

/**
 * Counts requests per policy and subject in fixed windows (rate-limiter-flexible): in Redis when the process has a
 * connection, so every instance counts together, else in process. While Redis is not connected, each request is
 * counted at once by an in-process limiter with the same rule instead (the library's insurance limiter); when a
 * command fails or outlasts the client's command timeout, after it. An outage of Redis loosens the limits to per
 * instance but never fails a request; a slow Redis delays limited requests by up to that timeout.
 */
@Injectable()
export class RateLimits {
  private readonly limiters: ReadonlyMap<RateLimitPolicy, RateLimiterAbstract>;

  constructor(
    private readonly config: Config,
    @Optional() @Inject(REDIS) redis: Redis | null = null,
  ) {
    this.limiters = new Map(
      RATE_LIMIT_POLICY_NAMES.map((policy) => {
        const { points, durationS } = config.rateLimits.policies[policy];
        const keyPrefix = `${config.redisKeyPrefix}rl:${policy}`;
        const inProcess = new RateLimiterMemory({ keyPrefix, points, duration: durationS });
        const limiter = redis
          ? new RateLimiterRedis({
              storeClient: redis,
              keyPrefix,
              points,
              duration: durationS,
              rejectIfRedisNotReady: true,
              insuranceLimiter: inProcess,
            })
          : inProcess;
        return [policy, limiter];
      }),
    );
  }

  get enabled(): boolean {
    return this.config.rateLimits.enabled;
  }

  /** Counts one request of `subject` (e.g. `address:203.0.113.7`, `principal:<user id>`) against `policy`. */
  async consume(policy: RateLimitPolicy, subject: string): Promise<RateLimitVerdict> {
    const rule = this.config.rateLimits.policies[policy];
    try {
      return toVerdict(policy, rule, await this.limiters.get(policy)!.consume(subject), true);
    } catch (outcome) {
      // the library rejects with the counter when the request is over the limit, with an Error when it failed
      if (outcome instanceof RateLimiterRes) return toVerdict(policy, rule, outcome, false);
      throw outcome;
    }
  }
}
