// Hardening, the server owns what it derives (issue 11, items 2-4): group membership and "already
// refunded" come from columns the server writes, server-owned meta keys cannot be set, a client's
// reference blocks no derived row, and a pending queued commit counts at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { eventually, ledgerProblems } from '../support/invariants.js';
import { Receiver } from '../support/receiver.js';
import { createKey, SECURE_ENV } from '../support/keys.js';
import { HttpClient } from '../support/http.js';

describe('hardening: server-owned rows and keys', () => {
  const receiver = new Receiver();
  let kassa: TestKassa;
  let ledger_id: string;

  const balance = async () => (await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id as string;
  const read = async (id: string) => (await kassa.http.get(`/balances/${id}`)).body;
  const transfer = (body: Record<string, unknown>) =>
    kassa.http.post('/transactions', { currency: 'USD', reference: `ref-${randomUUID()}`, description: 'ownership', ...body });
  const funded = async (precise_amount: number) => {
    const id = await balance();
    const res = await transfer({ precise_amount, source: '@World', destination: id, allow_overdraft: true, skip_queue: true });
    assert.equal(res.status, 201, res.text);
    return id;
  };

  before(async () => {
    await receiver.start();
    kassa = await startKassa({ env: { BLNK_WEBHOOK_URL: receiver.url } });
    ledger_id = (await kassa.http.post('/ledgers', { name: 'ownership' })).body.ledger_id;
  });
  after(async () => {
    await kassa.close();
    await receiver.stop();
  });

  test('2: server-owned meta keys are 400 naming the key, on create, bulk, refund and metadata merge', async () => {
    const [a, b] = [await funded(100), await balance()];
    const victim = await transfer({ precise_amount: 10, source: a, destination: b, skip_queue: true });
    for (const key of ['QUEUED_PARENT_TRANSACTION', 'BLNK_GENERATED_BY', 'blnk_rejection_reason']) {
      const meta_data = { [key]: victim.body.transaction_id };
      const created = await transfer({ precise_amount: 1, source: a, destination: b, meta_data });
      assert.equal(created.status, 400, created.text);
      assert.equal(created.body.error_detail.details.field, `meta_data.${key}`);
      const bulk = await kassa.http.post('/transactions/bulk', {
        transactions: [
          {
            currency: 'USD',
            precise_amount: 1,
            reference: `r-${randomUUID()}`,
            description: 'd',
            source: a,
            destination: b,
            meta_data,
          },
        ],
      });
      assert.equal(bulk.status, 400, bulk.text);
      assert.equal(bulk.body.error_detail.details.field, `transactions[0].meta_data.${key}`);
      const merge = await kassa.http.post(`/${victim.body.transaction_id}/metadata`, { meta_data });
      assert.equal(merge.status, 400, merge.text);
      const ledger = await kassa.http.post('/ledgers', { name: 'x', meta_data });
      assert.equal(ledger.status, 400, ledger.text);
      const refund = await kassa.http.post(`/refund-transaction/${victim.body.transaction_id}`, { meta_data, skip_queue: true });
      assert.equal(refund.status, 400, refund.text);
    }
    assert.equal((await read(b)).balance, 10, 'nothing but the victim transfer moved');
  });

  test('2: a row whose meta_data names another group is not part of it (refund and commit)', async () => {
    const [customer, merchant, attacker] = [await funded(1_000), await funded(1_000), await balance()];
    const victim = await transfer({ precise_amount: 100, source: customer, destination: merchant });
    assert.equal(victim.status, 201, victim.text);
    await eventually(async () =>
      (await kassa.http.get(`/transactions/reference/${victim.body.reference}_q`)).status === 200 ? true : undefined,
    );
    const planted = await transfer({
      precise_amount: 50,
      source: attacker,
      destination: merchant,
      allow_overdraft: true,
      skip_queue: true,
    });
    // Stored meta_data that names the victim's group (a row from before this release could carry it).
    await kassa.server.db.query(
      `UPDATE transactions SET meta_data = COALESCE(meta_data, '{}'::jsonb) || jsonb_build_object('QUEUED_PARENT_TRANSACTION', $1::text)
       WHERE transaction_id = $2`,
      [victim.body.transaction_id, planted.body.transaction_id],
    );
    const refund = await kassa.http.post(`/refund-transaction/${victim.body.transaction_id}`, { skip_queue: true });
    assert.equal(refund.status, 201, refund.text);
    assert.equal(refund.body.precise_amount, 100);
    assert.equal((await read(merchant)).balance, 1_050, 'only the victim transfer was reversed');
    assert.equal((await read(attacker)).balance, -50);

    const hold = await transfer({ precise_amount: 30, source: customer, destination: merchant, inflight: true });
    await eventually(async () =>
      (await kassa.http.get(`/transactions/reference/${hold.body.reference}_q`)).status === 200 ? true : undefined,
    );
    const tagged = await transfer({
      precise_amount: 20,
      source: attacker,
      destination: merchant,
      inflight: true,
      allow_overdraft: true,
      skip_queue: true,
    });
    await kassa.server.db.query(
      `UPDATE transactions SET meta_data = meta_data || jsonb_build_object('QUEUED_PARENT_TRANSACTION', $1::text) WHERE transaction_id = $2`,
      [hold.body.transaction_id, tagged.body.transaction_id],
    );
    const commit = await kassa.http.put(`/transactions/inflight/${hold.body.transaction_id}`, {
      status: 'commit',
      skip_queue: true,
    });
    assert.equal(commit.status, 200, commit.text);
    assert.equal((await read(merchant)).inflight_balance, 20, 'the tagged hold is still inflight');
    assert.deepEqual(await ledgerProblems(kassa.http), []);
  });

  test('3: a client reference `<id>_refund` neither blocks the refund nor counts as one', async () => {
    for (const skip_queue of [true, false]) {
      const [a, b] = [await funded(100), await balance()];
      const original = await transfer({ precise_amount: 40, source: a, destination: b, skip_queue: true });
      const squat = await transfer({
        reference: `${original.body.transaction_id}_refund`,
        precise_amount: 1,
        source: a,
        destination: b,
        skip_queue: true,
      });
      assert.equal(squat.status, 201, squat.text);
      const refund = await kassa.http.post(`/refund-transaction/${original.body.transaction_id}`, { skip_queue });
      assert.equal(refund.status, 201, refund.text);
      assert.ok(refund.body.reference.startsWith(`${original.body.transaction_id}_refund_`), refund.body.reference);
      const again = await kassa.http.post(`/refund-transaction/${original.body.transaction_id}`, { skip_queue });
      assert.equal(again.status, 409, again.text);
      await eventually(async () => ((await read(b)).balance === 1 ? true : undefined));
    }
  });

  test('3: a client reference `<ref>-1` / `<ref>_1` does not block a split; a repeated split is still 409', async () => {
    for (const [skip_queue, separator] of [
      [true, '-'],
      [false, '_'],
    ] as const) {
      const [a, b, c] = [await funded(1_000), await balance(), await balance()];
      const reference = `split-${randomUUID()}`;
      const squat = await transfer({
        reference: `${reference}${separator}1`,
        precise_amount: 1,
        source: a,
        destination: b,
        skip_queue: true,
      });
      assert.equal(squat.status, 201, squat.text);
      const split = {
        reference,
        precise_amount: 100,
        source: a,
        destinations: [
          { identifier: b, distribution: '60%' },
          { identifier: c, distribution: 'left' },
        ],
        skip_queue,
      };
      const preview = await transfer({ ...split, dry_run: true });
      assert.equal(preview.status, 200, preview.text);
      assert.equal(preview.body.would_apply, true, preview.text);
      const res = await transfer(split);
      assert.equal(res.status, 201, res.text);
      const legs = await Promise.all(
        res.body.destinations.map(
          async (d: { transaction_id: string }) => (await kassa.http.get(`/transactions/${d.transaction_id}`)).body,
        ),
      );
      assert.ok(legs[0].reference.startsWith(`${reference}${separator}1_ref_`), legs[0].reference);
      assert.equal(legs[1].reference, `${reference}${separator}2`);
      const again = await transfer(split);
      assert.equal(again.status, 409, again.text);
      const againPreview = await transfer({ ...split, dry_run: true });
      assert.equal(againPreview.body.would_apply, false, againPreview.text);
      await eventually(async () => ((await read(c)).balance === 40 ? true : undefined));
      assert.equal((await read(b)).balance, 61);
    }
    const [a, b] = [await funded(1_000), await balance()];
    const reference = `bulk-split-${randomUUID()}`;
    assert.equal(
      (await transfer({ reference: `${reference}-1`, precise_amount: 1, source: a, destination: b, skip_queue: true })).status,
      201,
    );
    const bulk = await kassa.http.post('/transactions/bulk', {
      skip_queue: true,
      transactions: [
        {
          currency: 'USD',
          reference,
          description: 'd',
          precise_amount: 10,
          source: a,
          destinations: [{ identifier: b, distribution: '100%' }],
        },
      ],
    });
    assert.equal(bulk.status, 201, bulk.text);
    assert.equal((await read(b)).balance, 11);
    // The same split sent many times at once, both paths, its first leg's reference held by a client: one applies.
    for (const skip_queue of [true, false]) {
      const [s, d1, d2] = [await funded(1_000), await balance(), await balance()];
      const ref = `race-${randomUUID()}`;
      await transfer({
        reference: `${ref}${skip_queue ? '-' : '_'}1`,
        precise_amount: 1,
        source: s,
        destination: d1,
        skip_queue: true,
      });
      const body = {
        reference: ref,
        precise_amount: 10,
        source: s,
        skip_queue,
        destinations: [
          { identifier: d1, distribution: '50%' },
          { identifier: d2, distribution: 'left' },
        ],
      };
      const answers = await Promise.all(Array.from({ length: 8 }, () => transfer(body)));
      assert.deepEqual(
        answers.map((r) => r.status).filter((st) => st !== 409),
        [201],
        answers.map((r) => r.text).join('\n'),
      );
      await eventually(async () => ((await read(d2)).balance === 5 ? true : undefined));
      assert.equal((await read(d1)).balance, 6);
    }
    assert.deepEqual(await ledgerProblems(kassa.http), []);
  });

  test('3: concurrent refunds of one row: exactly one is recorded', async () => {
    for (const skip_queue of [true, false]) {
      const [a, b] = [await funded(100), await balance()];
      const original = await transfer({ precise_amount: 60, source: a, destination: b, skip_queue: true });
      const answers = await Promise.all(
        Array.from({ length: 12 }, () => kassa.http.post(`/refund-transaction/${original.body.transaction_id}`, { skip_queue })),
      );
      assert.deepEqual(
        answers.map((r) => r.status).filter((s) => s !== 409),
        [201],
        answers.map((r) => r.text).join('\n'),
      );
      await eventually(async () => ((await read(b)).balance === 0 ? true : undefined));
    }
    assert.deepEqual(await ledgerProblems(kassa.http), []);
  });

  test('4: a second queued commit of a hold is 409 at once, every time', async () => {
    for (let i = 0; i < 15; i++) {
      const [a, b] = [await funded(100), await balance()];
      const hold = await transfer({ precise_amount: 10, source: a, destination: b, inflight: true, skip_queue: true });
      const first = await kassa.http.put(`/transactions/inflight/${hold.body.transaction_id}`, { status: 'commit' });
      assert.equal(first.status, 200, first.text);
      const second = await kassa.http.put(`/transactions/inflight/${hold.body.transaction_id}`, { status: 'commit' });
      assert.equal(second.status, 409, `round ${i}: ${second.text}`);
    }
    // A queued create answers with its own id; its hold is the INFLIGHT outcome row. Naming the hold by
    // the other id while a commit waits is the same pending action: 409.
    const [a, b] = [await funded(100), await balance()];
    const create = await transfer({ precise_amount: 10, source: a, destination: b, inflight: true });
    const leg = await eventually(async () => {
      const res = await kassa.http.get(`/transactions/reference/${create.body.reference}_q`);
      return res.status === 200 ? res.body : undefined;
    });
    const byLeg = await kassa.http.put(`/transactions/inflight/${leg.transaction_id}`, { status: 'void' });
    const byGroup = await kassa.http.put(`/transactions/inflight/${create.body.transaction_id}`, { status: 'commit' });
    assert.equal(byLeg.status, 200, byLeg.text);
    assert.equal(byGroup.status, 409, byGroup.text);
  });

  test('4: a queued commit refused later is observable as an event', async () => {
    const [poor, b] = [await balance(), await balance()];
    const scheduled_for = new Date(Date.now() + 1_500).toISOString().replace(/\.\d+Z$/, '+00:00');
    const create = await transfer({ precise_amount: 10, source: poor, destination: b, inflight: true, scheduled_for });
    assert.equal(create.status, 201, create.text);
    const commit = await kassa.http.put(`/transactions/inflight/${create.body.transaction_id}`, { status: 'commit' });
    assert.equal(commit.status, 200, commit.text);
    const event = await eventually(
      async () =>
        receiver.requests.find(
          (r) => r.body?.event === 'inflight_action.refused' && r.body.data.transaction_id === create.body.transaction_id,
        ),
      { timeout_ms: 30_000 },
    );
    assert.equal(event.body.data.action, 'commit');
    assert.match(event.body.data.reason, /./);
  });

  test('2: a metadata merge by an API key keeps the creator attribution', async () => {
    const secure = await startKassa({ env: SECURE_ENV });
    try {
      const master = new HttpClient(secure.url, { 'X-Blnk-Key': SECURE_ENV.BLNK_SERVER_SECRET_KEY });
      const creator = await createKey(master, { owner: 'o1', scopes: ['ledgers:write', 'ledgers:read'] });
      const merger = await createKey(master, { owner: 'o1', scopes: ['metadata:write', 'ledgers:read'] });
      const ledger = await creator.http.post('/ledgers', { name: 'attributed' });
      assert.equal(ledger.status, 201, ledger.text);
      const merged = await merger.http.post(`/${ledger.body.ledger_id}/metadata`, { meta_data: { note: 'x' } });
      assert.equal(merged.status, 200, merged.text);
      const after = await master.get(`/ledgers/${ledger.body.ledger_id}`);
      assert.equal(after.body.meta_data.BLNK_GENERATED_BY, creator.api_key_id);
      assert.equal(after.body.meta_data.note, 'x');
    } finally {
      await secure.close();
    }
  });
});
