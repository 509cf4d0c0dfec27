import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import {
  generateApiKey,
  digestKey,
  hashApiKey,
  hashesEqual,
  isMasterDigest,
  masterDigest,
  keyHint,
  keyPrefix,
  secretMatches,
  KEY_PREFIX_LENGTH,
} from '../../src/auth/key-material.js';
import { REDACT_PATHS } from '../../src/log.js';
import { RateLimiter } from '../../src/http/rate-limiter.js';

describe('api key material', () => {
  test('a key is 32 random bytes as 44 characters of URL-safe base64 ending in "="', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const key = generateApiKey();
      assert.match(key, /^[A-Za-z0-9_-]{43}=$/);
      assert.equal(Buffer.from(key, 'base64url').length, 32);
      keys.add(key);
    }
    assert.equal(keys.size, 200);
  });

  test('the stored hash and prefix: SHA-256 hex, 16 characters; listings show 8 and "..."', () => {
    const key = generateApiKey();
    assert.match(hashApiKey(key), /^[0-9a-f]{64}$/);
    assert.notEqual(hashApiKey(key), hashApiKey(generateApiKey()));
    assert.equal(keyPrefix(key), key.slice(0, KEY_PREFIX_LENGTH));
    assert.equal(keyHint(keyPrefix(key)), key.slice(0, 8) + '...');
    assert.ok(hashesEqual(hashApiKey(key), hashApiKey(key)));
    assert.ok(!hashesEqual(hashApiKey(key), hashApiKey(key + 'x')));
    assert.ok(!hashesEqual('', ''));
  });

  test('secrets match only exactly, and an empty secret never matches', () => {
    assert.ok(secretMatches('master-key', 'master-key'));
    for (const near of ['master-kez', 'master-key ', 'master-ke', 'Master-key', '']) {
      assert.ok(!secretMatches(near, 'master-key'), near);
    }
    assert.ok(!secretMatches('', ''));
  });

  test('the master compare works on digests: exact only, never without a master key', () => {
    const master = masterDigest('master-key');
    assert.ok(isMasterDigest(digestKey('master-key'), master));
    for (const near of ['master-kez', 'master-key ', 'master-ke', '']) assert.ok(!isMasterDigest(digestKey(near), master), near);
    assert.equal(masterDigest(''), undefined);
    assert.ok(!isMasterDigest(digestKey(''), masterDigest('')));
  });
});

describe('rate limiter', () => {
  test('a bucket allows `burst` at once, then refills at requests_per_second', () => {
    const limiter = new RateLimiter({ requests_per_second: 2, burst: 3, idle_ttl_ms: 10_000, buckets_max: 10 });
    const results = [0, 0, 0, 0].map(() => limiter.take('a', 1000));
    assert.deepEqual(results, [true, true, true, false]);
    assert.equal(limiter.take('b', 1000), true, 'buckets are per client');
    assert.equal(limiter.take('a', 1400), false);
    assert.equal(limiter.take('a', 1500), true);
  });

  test('the bucket map is bounded and idle buckets expire', () => {
    const limiter = new RateLimiter({ requests_per_second: 1, burst: 1, idle_ttl_ms: 1000, buckets_max: 3 });
    for (let i = 0; i < 10; i++) limiter.take(`c${i}`, 0);
    assert.equal(limiter.size, 3);
    limiter.take('fresh', 900);
    limiter.sweep(1000);
    assert.equal(limiter.size, 1);
  });
});

describe('log redaction', () => {
  test('keys, tokens, secrets and headers never reach the log', () => {
    let out = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        out += chunk;
        done();
      },
    });
    const logger = pino({ redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } }, sink);
    logger.info(
      {
        key: 'k-plain',
        secret_key: 's-plain',
        token: 't-plain',
        authorization: 'Bearer b-plain',
        'x-blnk-key': 'x-plain',
        headers: { 'x-blnk-key': 'h-plain' },
        config: { server: { secret_key: 's2-plain' }, metrics_bearer_token: 'm-plain' },
        server: { metrics_bearer_token: 'm2-plain', secret: 'sec-plain' },
        req: { api_key: 'a-plain', Authorization: 'A-plain' },
      },
      'test',
    );
    assert.match(out, /REDACTED/);
    assert.doesNotMatch(out, /plain/);
  });
});
