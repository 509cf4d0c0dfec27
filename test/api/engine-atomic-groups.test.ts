// Atomic groups in the queue (what queued atomic splits and bulk requests build on): the members of
// a group apply all or none, within one batch, whatever the batch size.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { enqueueRequests } from '../../src/engine/accept/record.js';
import { parseTransactionRequest } from '../../src/ledger/transaction-request.js';
import { newId } from '../../src/ids.js';

describe('atomic groups in the queue', () => {
  let kassa: TestKassa;
  let ledger_id: string;
  const balance = async () => (await kassa.http.post('/balances', { ledger_id, currency: 'USD' })).body.balance_id as string;
  const read = async (id: string) => (await kassa.http.get(`/balances/${id}`)).body;
  const outcome = async (reference: string) => (await kassa.http.get(`/transactions/reference/${reference}_q`)).body;

  before(async () => {
    // Batches of one item: a group must still be taken whole.
    kassa = await startKassa({ env: { BLNK_TRANSACTION_BATCH_SIZE: '1' } });
    ledger_id = (await kassa.http.post('/ledgers', { name: 'groups' })).body.ledger_id;
  });
  after(() => kassa.close());

  async function enqueueGroup(legs: { source: string; destination: string; precise_amount: number }[], group: string) {
    const references = legs.map(() => `leg-${randomUUID()}`);
    await kassa.server.db.transaction((tx) =>
      enqueueRequests(
        tx,
        legs.map((leg, i) => ({
          request: parseTransactionRequest({ ...leg, currency: 'USD', description: 'leg', reference: references[i] }),
          transaction_id: newId('txn'),
          atomic_group: group,
        })),
      ),
    );
    await kassa.server.worker!.drain(15_000);
    return references;
  }

  test('a group whose last member lacks funds is rejected whole, balances untouched', async () => {
    const s = await balance();
    const a = await balance();
    const b = await balance();
    const funded = await kassa.http.post('/transactions', {
      precise_amount: 100,
      currency: 'USD',
      description: 'fund',
      reference: `f-${randomUUID()}`,
      source: `@F-${randomUUID()}`,
      destination: s,
      allow_overdraft: true,
      skip_queue: true,
    });
    assert.equal(funded.status, 201);
    const refs = await enqueueGroup(
      [
        { source: s, destination: a, precise_amount: 60 },
        { source: s, destination: b, precise_amount: 60 },
      ],
      `grp-${randomUUID()}`,
    );
    for (const reference of refs) {
      const row = await outcome(reference);
      assert.equal(row.status, 'REJECTED');
      assert.match(row.meta_data.blnk_rejection_reason, /insufficient funds/);
    }
    assert.equal((await read(s)).balance, 100);
    assert.equal((await read(a)).balance, 0);
    assert.equal((await read(b)).balance, 0);

    const ok = await enqueueGroup(
      [
        { source: s, destination: a, precise_amount: 60 },
        { source: s, destination: b, precise_amount: 40 },
      ],
      `grp-${randomUUID()}`,
    );
    for (const reference of ok) assert.equal((await outcome(reference)).status, 'APPLIED');
    assert.equal((await read(s)).balance, 0);
    assert.equal((await read(a)).balance, 60);
    assert.equal((await read(b)).balance, 40);
  });
});
