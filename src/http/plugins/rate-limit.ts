// Rate limiting (blnk-contract.md auth §9.1, §9.3), token buckets per client. A request that authenticates is
// counted against its key (the API key id, or the master key); any other (no key, a key that does not
// verify, public routes, open mode) against the client's socket address (X-Forwarded-For is spoofable).
// A fresh random key per request therefore buys nothing, and an address out of tokens is refused before
// its key costs a database lookup. Auth calls `take` at the right moment (src/http/plugins/auth.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.js';
import { ApiError } from '../../errors.js';
import type { Metrics } from '../../metrics.js';
import { RateLimiter } from '../rate-limiter.js';

export const RATE_LIMITED_MESSAGE = 'You have reached maximum request limit.';
const BUCKETS_MAX = 100_000;
const SWEEP_INTERVAL_MIN_MS = 1000;
const SWEEP_INTERVAL_MAX_MS = 60_000;

export interface RequestLimiter {
  /** The bucket of a request that does not authenticate. */
  addressBucket(request: FastifyRequest): string;
  /** Takes a token from `bucket` or throws 429 with Retry-After and the RateLimit headers. */
  take(bucket: string, reply: FastifyReply): void;
  /** Throws 429 when `bucket` is empty, taking nothing (before an expensive key lookup). */
  check(bucket: string, reply: FastifyReply): void;
}

export function registerRateLimit(app: FastifyInstance, settings: Config['rate_limit'], metrics: Metrics): RequestLimiter {
  const idle_ttl_ms = settings.cleanup_interval_sec * 1000;
  const limiter = new RateLimiter({
    requests_per_second: settings.requests_per_second,
    burst: settings.burst,
    idle_ttl_ms,
    buckets_max: BUCKETS_MAX,
  });
  const sweeper = setInterval(
    () => limiter.sweep(Date.now()),
    Math.min(Math.max(idle_ttl_ms, SWEEP_INTERVAL_MIN_MS), SWEEP_INTERVAL_MAX_MS),
  );
  sweeper.unref();
  app.addHook('onClose', async () => clearInterval(sweeper));

  const refuse = (bucket: string, reply: FastifyReply, now_ms: number): never => {
    metrics.rateLimited.inc();
    const retry_after_s = Math.max(1, limiter.retryAfterS(bucket, now_ms));
    reply.header('retry-after', String(retry_after_s));
    reply.header('ratelimit-limit', String(limiter.burst));
    reply.header('ratelimit-remaining', '0');
    reply.header('ratelimit-reset', String(retry_after_s));
    throw new ApiError('GEN_RATE_LIMITED', RATE_LIMITED_MESSAGE);
  };
  return {
    addressBucket: (request) => `addr:${request.ip}`,
    take(bucket, reply) {
      const now_ms = Date.now();
      if (!limiter.take(bucket, now_ms)) refuse(bucket, reply, now_ms);
    },
    check(bucket, reply) {
      const now_ms = Date.now();
      if (!limiter.hasToken(bucket, now_ms)) refuse(bucket, reply, now_ms);
    },
  };
}
