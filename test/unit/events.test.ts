import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { signatureHeaders, signPayload, verifyKassaSignature } from '../../src/events/signature.js';
import { hookAnswerSucceeded } from '../../src/events/hooks.js';
import { retryDelayMs } from '../../src/background/backoff.js';
import { registrationProblem, withRegistrationDefaults } from '../../src/events/hook-rules.js';

describe('signature', () => {
  test('is lowercase hex HMAC-SHA256 over `<timestamp>.<raw body>`', () => {
    const expected = createHmac('sha256', 'S').update('1735689600.{"event":"x"}').digest('hex');
    assert.equal(signPayload('S', '1735689600', '{"event":"x"}'), expected);
  });

  test('verifies what was signed, within the window, and nothing else', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer({ min: 0, max: 2_000_000_000 }), (secret, body, ts) => {
        const timestamp = String(ts);
        const signature = signPayload(secret, timestamp, body);
        const check = { secret, timestamp, signature, rawBody: body, tolerance_s: 300, now_s: ts + 10 };
        assert.ok(verifyKassaSignature(check));
        assert.ok(verifyKassaSignature({ ...check, rawBody: Buffer.from(body, 'utf8') }));
        assert.ok(!verifyKassaSignature({ ...check, rawBody: body + ' ' }));
        assert.ok(!verifyKassaSignature({ ...check, secret: secret + 'x' }));
        assert.ok(!verifyKassaSignature({ ...check, timestamp: String(ts + 1) }));
        assert.ok(!verifyKassaSignature({ ...check, now_s: ts + 301 }), 'outside the replay window');
        assert.ok(!verifyKassaSignature({ ...check, now_s: ts - 301 }), 'from the future');
      }),
    );
  });

  test('during a rotation, a receiver holding any of the keys verifies through either header', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 3 }),
        fc.string(),
        fc.string({ minLength: 1 }),
        (current, previous, body, stranger) => {
          fc.pre(!previous.includes(current) && stranger !== current && !previous.includes(stranger));
          const headers = signatureHeaders({ current, previous }, '1000', body);
          const check = (secret: string, previous_signatures?: string) =>
            verifyKassaSignature({
              secret,
              timestamp: '1000',
              signature: headers['X-Blnk-Signature'],
              previous_signatures,
              rawBody: body,
              tolerance_s: 300,
              now_s: 1000,
            });
          assert.equal(headers['X-Blnk-Signature'], signPayload(current, '1000', body));
          assert.equal(headers['X-Blnk-Signature-Previous'].split(',').length, previous.length);
          assert.ok(check(current));
          for (const key of previous) {
            assert.ok(check(key, headers['X-Blnk-Signature-Previous']), 'an old key matches its previous signature');
            assert.ok(!check(key), 'without the previous header, an old key matches nothing');
          }
          assert.ok(!check(stranger, headers['X-Blnk-Signature-Previous']));
          assert.ok(
            !check(stranger, `zz,,${headers['X-Blnk-Signature-Previous']},not-hex`),
            'junk entries are skipped, not trusted',
          );
        },
      ),
      { numRuns: 200 },
    );
    assert.deepEqual(Object.keys(signatureHeaders({ current: 'k', previous: [] }, '1', 'b')), ['X-Blnk-Signature']);
  });

  test('refuses missing or malformed headers without throwing', () => {
    const base = { secret: 'S', rawBody: 'b', tolerance_s: 300, now_s: 1000 };
    const signature = signPayload('S', '1000', 'b');
    for (const bad of [
      { timestamp: undefined, signature },
      { timestamp: '1000', signature: null },
      { timestamp: 'abc', signature },
      { timestamp: '1000', signature: signature.toUpperCase() },
      { timestamp: '1000', signature: 'sha256=' + signature },
      { timestamp: '1000', signature: signature.slice(2) },
    ]) {
      assert.equal(verifyKassaSignature({ ...base, ...bad }), false, JSON.stringify(bad));
    }
  });
});

describe('hook answers (blnk-contract.md platform §1.5)', () => {
  const cases: [number, string, boolean][] = [
    [200, '', true],
    [204, '', true],
    [500, '', false],
    [302, '', false],
    [200, 'ok', true],
    [302, 'moved', true],
    [404, 'nope', false],
    [200, '{"success":true}', true],
    [500, '{"success":true}', true],
    [200, '{"success":false}', false],
    [200, '{}', false],
    [200, '{"ok":true}', false],
    [200, 'null', false],
    [200, '[1,2]', true],
    [500, '[1,2]', false],
    [200, '{"success":"yes"}', true],
    [400, '{"success":"yes"}', false],
  ];
  for (const [status, body, success] of cases) {
    test(`${status} ${JSON.stringify(body)} -> ${success ? 'success' : 'failure'}`, () => {
      assert.equal(hookAnswerSucceeded(status, body), success);
    });
  }
});

describe('retry delays', () => {
  test('double from the base and never exceed the cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(n, 100, 1_000)),
      [100, 200, 400, 800],
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 1, max: 1e8 }),
        (n, base, cap) => {
          const delay = retryDelayMs(n, base, cap);
          assert.ok(delay >= Math.min(base, cap) && delay <= cap);
          assert.ok(retryDelayMs(n + 1, base, cap) >= delay);
        },
      ),
    );
  });
});

describe('hook registration rules', () => {
  const hook = { id: 'h', name: '', url: 'http://x', type: 'PRE_TRANSACTION', active: true, timeout: 0, retry_count: 0 };
  test('defaults and caps', () => {
    assert.equal(withRegistrationDefaults(hook).timeout, 30);
    assert.equal(withRegistrationDefaults({ ...hook, timeout: -5 }).timeout, 30);
    assert.equal(withRegistrationDefaults({ ...hook, timeout: 7 }).timeout, 7);
    assert.equal(withRegistrationDefaults(hook).retry_count, 0);
    assert.equal(withRegistrationDefaults({ ...hook, retry_count: -1 }).retry_count, 3);
    assert.equal(withRegistrationDefaults({ ...hook, retry_count: 11 }).retry_count, 10);
  });
  test('url is required and the type must be PRE_ or POST_TRANSACTION', () => {
    assert.equal(registrationProblem(hook), undefined);
    assert.ok(registrationProblem({ ...hook, url: ' ' }));
    assert.ok(registrationProblem({ ...hook, type: 'FOO' }));
    assert.equal(registrationProblem({ ...hook, type: 'POST_TRANSACTION' }), undefined);
  });
});
