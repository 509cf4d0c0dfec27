// Rate limiting before authentication (blnk-auth.md §9.1, §9.3), so unauthenticated traffic is
// limited too. A request presenting X-Blnk-Key is counted against that key (its lookup prefix),
// any other against the client's socket address (X-Forwarded-For is not trusted: it is spoofable).
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/config.js';
import { ApiError } from '../../errors.js';
import { keyPrefix } from '../../auth/keys.js';
import type { Metrics } from '../../metrics.js';
import { RateLimiter } from '../rate-limiter.js';

export const RATE_LIMITED_MESSAGE = 'You have reached maximum request limit.';
const BUCKETS_MAX = 100_000;
const SWEEP_INTERVAL_MIN_MS = 1000;
const SWEEP_INTERVAL_MAX_MS = 60_000;

export function registerRateLimit(app: FastifyInstance, settings: Config['rate_limit'], metrics: Metrics): void {
  const idle_ttl_ms = settings.cleanup_interval_sec * 1000;
  const limiter = new RateLimiter({
    requests_per_second: settings.requests_per_second,
    burst: settings.burst,
    idle_ttl_ms,
    buckets_max: BUCKETS_MAX,
  });
  const limited = metrics.counter('kassa_rate_limited_total', 'Requests refused with 429 GEN_RATE_LIMITED.');
  const sweeper = setInterval(() => limiter.sweep(Date.now()), Math.min(Math.max(idle_ttl_ms, SWEEP_INTERVAL_MIN_MS), SWEEP_INTERVAL_MAX_MS));
  sweeper.unref();
  app.addHook('onClose', async () => clearInterval(sweeper));

  app.addHook('onRequest', async (request) => {
    const key = request.headers['x-blnk-key'];
    const client = typeof key === 'string' && key !== '' ? `key:${keyPrefix(key)}` : `addr:${request.ip}`;
    if (!limiter.take(client, Date.now())) {
      limited.inc();
      throw new ApiError('GEN_RATE_LIMITED', RATE_LIMITED_MESSAGE);
    }
  });
}
