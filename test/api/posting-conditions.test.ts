// Optimistic concurrency on balances (Kassa's own): `expected_versions` and `balance_bounds` on a
// transaction, checked under the locks with the funds check, on every path: skip_queue (single,
// split, bulk), queued (a REJECTED outcome with the reason), and the dry run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';

describe('posting conditions: expected_versions and balance_bounds', () => {
  let kassa: TestKassa;
  let ledger_id: string;
  before(async () => {
    kassa = await startKassa();
    ledger_id = (await kassa.http.post('/ledgers', { name: 'conditions' })).body.ledger_id;
  });
  after(() => kassa.close());

  const balance = async () => (await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id as string;
  const read = async (id: string) => (await kassa.http.get(`/balances/${id}`)).body;
  const post = (body: Record<string, unknown>) =>
    kassa.http.post('/transactions', {
      currency: 'USD',
      description: 'conditions',
      reference: `cond-${randomUUID()}`,
      ...body,
    });
  const funded = async (precise_amount: number) => {
    const id = await balance();
    const res = await post({ precise_amount, source: '@World', destination: id, allow_overdraft: true, skip_queue: true });
    assert.equal(res.status, 201, res.text);
    return id;
  };
  const outcomeOf = async (reference: string) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await kassa.http.get(`/transactions/reference/${reference}_q`);
      if (res.status === 200) return res.body;
      if (Date.now() > deadline) assert.fail(`no outcome for ${reference}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  test('skip_queue: the expected version applies; a stale one is 409 TXN_VERSION_MISMATCH and changes nothing', async () => {
    const source = await funded(1000);
    const destination = await balance();
    const version = (await read(source)).version;
    const ok = await post({
      precise_amount: 100,
      source,
      destination,
      skip_queue: true,
      expected_versions: { [source]: version },
    });
    assert.equal(ok.status, 201, ok.text);
    const stale = await post({
      precise_amount: 100,
      source,
      destination,
      skip_queue: true,
      expected_versions: { [source]: version },
    });
    assert.equal(stale.status, 409, stale.text);
    assert.equal(stale.body.error_detail.code, 'TXN_VERSION_MISMATCH');
    assert.match(
      stale.body.error_detail.message,
      new RegExp(`balance ${source} is at version ${version + 1}, not the expected ${version}`),
    );
    assert.equal((await read(source)).balance, 900);
    assert.equal((await read(destination)).balance, 100);
  });

  test('skip_queue: balance_bounds refuse a posting that would leave a balance outside them (409), with no trace', async () => {
    const source = await funded(1000);
    const destination = await balance();
    const reference = `bounds-${randomUUID()}`;
    const refused = await post({
      reference,
      precise_amount: 300,
      source,
      destination,
      skip_queue: true,
      balance_bounds: { [source]: { min: 800 } },
    });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error_detail.code, 'TXN_BALANCE_OUT_OF_BOUNDS');
    assert.match(refused.body.error_detail.message, /would be 700, below its min 800/);
    assert.equal((await kassa.http.get(`/transactions/reference/${reference}`)).status, 404);
    const capped = await post({
      precise_amount: 300,
      source,
      destination,
      skip_queue: true,
      balance_bounds: { [destination]: { max: '299' } },
    });
    assert.equal(capped.status, 409);
    assert.match(capped.body.error_detail.message, /above its max 299/);
    const fits = await post({
      precise_amount: 200,
      source,
      destination,
      skip_queue: true,
      balance_bounds: { [source]: { min: 800, max: 1000 }, [destination]: { min: 0, max: 200 } },
    });
    assert.equal(fits.status, 201, fits.text);
    assert.equal((await read(source)).balance, 800);
    assert.equal((await read(destination)).balance, 200);
  });

  test('a condition naming a balance outside the transaction is 400 naming the field', async () => {
    const source = await funded(100);
    const destination = await balance();
    const other = await balance();
    const res = await post({ precise_amount: 1, source, destination, skip_queue: true, expected_versions: { [other]: 0 } });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error_detail.code, 'TXN_VALIDATION_ERROR');
    assert.match(
      res.body.error_detail.message,
      /^expected_versions: balance .* is not a source or destination of this transaction$/,
    );
    assert.equal((await read(source)).balance, 100);
  });

  test('malformed conditions are 400 naming the field; nothing is recorded', async () => {
    const source = await funded(100);
    const destination = await balance();
    const bad: [Record<string, unknown>, string][] = [
      [{ expected_versions: [1] }, 'expected_versions'],
      [{ expected_versions: { [source]: -1 } }, `expected_versions.${source}`],
      [{ expected_versions: { [source]: 1.5 } }, `expected_versions.${source}`],
      [{ expected_versions: { [source]: '3' } }, `expected_versions.${source}`],
      [{ balance_bounds: { [source]: 5 } }, `balance_bounds.${source}`],
      [{ balance_bounds: { [source]: {} } }, `balance_bounds.${source}`],
      [{ balance_bounds: { [source]: { min: 10, max: 5 } } }, `balance_bounds.${source}`],
      [{ balance_bounds: { [source]: { min: 1.5 } } }, `balance_bounds.${source}.min`],
      [{ balance_bounds: { [source]: { min: '1e3' } } }, `balance_bounds.${source}.min`],
      [{ balance_bounds: { [source]: { low: 1 } } }, `balance_bounds.${source}.low`],
      [{ expected_versions: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`bln_${i}`, 0])) }, 'expected_versions'],
    ];
    for (const [conditions, field] of bad) {
      const res = await post({ precise_amount: 1, source, destination, skip_queue: true, ...conditions });
      assert.equal(res.status, 400, `${JSON.stringify(conditions)}: ${res.text}`);
      assert.equal(res.body.error_detail.code, 'GEN_MALFORMED_REQUEST');
      assert.equal(res.body.error_detail.details.field, field);
    }
    assert.equal((await read(source)).balance, 100);
  });

  test('queued: a stale version or a broken bound is a REJECTED outcome with the reason; a good one applies', async () => {
    const source = await funded(1000);
    const destination = await balance();
    const version = (await read(source)).version;
    const good = `q-good-${randomUUID()}`;
    const stale = `q-stale-${randomUUID()}`;
    const bounded = `q-bound-${randomUUID()}`;
    assert.equal(
      (await post({ reference: good, precise_amount: 100, source, destination, expected_versions: { [source]: version } }))
        .status,
      201,
    );
    assert.equal((await outcomeOf(good)).status, 'APPLIED');
    assert.equal(
      (await post({ reference: stale, precise_amount: 100, source, destination, expected_versions: { [source]: version } }))
        .status,
      201,
    );
    const staleOutcome = await outcomeOf(stale);
    assert.equal(staleOutcome.status, 'REJECTED');
    assert.match(staleOutcome.meta_data.blnk_rejection_reason, /is at version \d+, not the expected/);
    assert.equal(
      (
        await post({
          reference: bounded,
          precise_amount: 100,
          source,
          destination,
          balance_bounds: { [destination]: { max: 150 } },
        })
      ).status,
      201,
    );
    const boundOutcome = await outcomeOf(bounded);
    assert.equal(boundOutcome.status, 'REJECTED');
    assert.match(boundOutcome.meta_data.blnk_rejection_reason, /would be 200, above its max 150/);
    assert.equal((await read(source)).balance, 900);
    assert.equal((await read(destination)).balance, 100);
  });

  test('a split checks versions before its first leg and bounds after its last, over all its balances', async () => {
    const source = await funded(1000);
    const [a, b] = [await balance(), await balance()];
    const destinations = [
      { identifier: a, distribution: '50%' },
      { identifier: b, distribution: 'left' },
    ];
    const refused = await post({
      precise_amount: 400,
      source,
      destinations,
      skip_queue: true,
      atomic: true,
      balance_bounds: { [source]: { min: 700 } },
    });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error_detail.code, 'TXN_BALANCE_OUT_OF_BOUNDS');
    assert.equal((await read(a)).balance, 0);
    const version = (await read(b)).version;
    const applied = await post({
      precise_amount: 400,
      source,
      destinations,
      skip_queue: true,
      atomic: true,
      expected_versions: { [b]: version },
      balance_bounds: { [source]: { min: 600 } },
    });
    assert.equal(applied.status, 201, applied.text);
    assert.equal((await read(source)).balance, 600);
    assert.equal((await read(a)).balance, 200);
    assert.equal((await read(b)).balance, 200);
  });

  test('a split that is not atomic but carries conditions applies all its legs or none', async () => {
    const source = await funded(100);
    const [a, b] = [await balance(), await balance()];
    const destinations = [
      { identifier: a, distribution: '50%' },
      { identifier: b, distribution: 'left' },
    ];
    const version = (await read(source)).version;
    const short = await post({
      precise_amount: 150,
      source,
      destinations,
      skip_queue: true,
      expected_versions: { [source]: version },
    });
    assert.equal(short.status, 400, short.text);
    assert.equal(short.body.error_detail.code, 'TXN_INSUFFICIENT_FUNDS');
    assert.equal((await read(a)).balance, 0, 'the first leg did not stay applied');
    const bounded = await post({
      precise_amount: 80,
      source,
      destinations,
      skip_queue: true,
      balance_bounds: { [source]: { min: 30 } },
    });
    assert.equal(bounded.status, 409, bounded.text);
    assert.equal((await read(a)).balance, 0);
    assert.equal((await read(source)).balance, 100);
  });

  test('a queued atomic split with a stale version is REJECTED on every leg; with the right one it applies', async () => {
    const source = await funded(1000);
    const [a, b] = [await balance(), await balance()];
    const version = (await read(source)).version;
    const destinations = [
      { identifier: a, distribution: '50%' },
      { identifier: b, distribution: 'left' },
    ];
    const stale = `qs-stale-${randomUUID()}`;
    assert.equal(
      (
        await post({
          reference: stale,
          precise_amount: 100,
          source,
          destinations,
          atomic: true,
          expected_versions: { [source]: version - 1 },
        })
      ).status,
      201,
    );
    for (const leg of [1, 2]) {
      const outcome = await outcomeOf(`${stale}_${leg}`);
      assert.equal(outcome.status, 'REJECTED');
      assert.match(outcome.meta_data.blnk_rejection_reason, /not the expected/);
    }
    const good = `qs-good-${randomUUID()}`;
    assert.equal(
      (
        await post({
          reference: good,
          precise_amount: 100,
          source,
          destinations,
          atomic: true,
          expected_versions: { [source]: version },
        })
      ).status,
      201,
    );
    for (const leg of [1, 2]) assert.equal((await outcomeOf(`${good}_${leg}`)).status, 'APPLIED');
    assert.equal((await read(source)).balance, 900);
    assert.equal((await read(a)).balance, 50);
  });

  test('bulk items carry their own conditions: a failing one stops a skip_queue batch there', async () => {
    const source = await funded(1000);
    const destination = await balance();
    const version = (await read(source)).version;
    const item = (extra: Record<string, unknown>) => ({
      precise_amount: 100,
      currency: 'USD',
      description: 'bulk',
      reference: `bulk-${randomUUID()}`,
      source,
      destination,
      ...extra,
    });
    const res = await kassa.http.post('/transactions/bulk', {
      skip_queue: true,
      transactions: [item({ expected_versions: { [source]: version } }), item({ expected_versions: { [source]: version } })],
    });
    assert.equal(res.status, 409, res.text);
    assert.equal(res.body.error_detail.code, 'TXN_VERSION_MISMATCH');
    assert.match(
      res.body.error,
      /^failed to queue transaction 2 .*not the expected \d+\. Previous transactions were not rolled back\.$/,
    );
    assert.equal((await read(source)).balance, 900);
  });

  test('a dry run answers what the condition would do, and changes nothing', async () => {
    const source = await funded(1000);
    const destination = await balance();
    const version = (await read(source)).version;
    const res = await post({
      precise_amount: 100,
      source,
      destination,
      skip_queue: true,
      dry_run: true,
      expected_versions: { [source]: version - 1 },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.would_apply, false);
    assert.equal(res.body.rejection.code, 'TXN_VERSION_MISMATCH');
    const fits = await post({
      precise_amount: 100,
      source,
      destination,
      dry_run: true,
      balance_bounds: { [source]: { min: 900 } },
    });
    assert.equal(fits.body.would_apply, true, fits.text);
    assert.equal((await read(source)).version, version);
    assert.equal((await read(source)).balance, 1000);
  });

  test('many concurrent transfers expecting one version: exactly one applies, the rest are 409', async () => {
    const source = await funded(10_000);
    const destination = await balance();
    const version = (await read(source)).version;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        post({ precise_amount: 10, source, destination, skip_queue: true, expected_versions: { [source]: version } }),
      ),
    );
    const statuses = answers.map((res) => res.status).sort();
    assert.deepEqual(statuses, [201, ...Array(19).fill(409)]);
    assert.equal((await read(source)).balance, 9_990);
    assert.equal((await read(destination)).balance, 10);
  });
});
