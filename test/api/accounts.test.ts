// Accounts and the mocked account (blnk-contract.md platform §7, behaviours 75-76), with the automatic
// account numbers of a real HTTP service started here.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startKassa, type TestKassa } from '../support/kassa.js';

async function setup(kassa: TestKassa, identity: Record<string, unknown> = { first_name: 'Ada', last_name: 'Lovelace' }) {
  const ledger = (await kassa.http.post('/ledgers', { name: 'accounts' })).body.ledger_id;
  const identity_id = (await kassa.http.post('/identities', identity)).body.identity_id;
  const balance = await kassa.http.post('/balances', { ledger_id: ledger, currency: 'USD', identity_id });
  assert.equal(balance.status, 201);
  return { ledger, identity_id, balance_id: balance.body.balance_id as string };
}

describe('accounts', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa();
  });
  after(() => kassa.close());

  test('the mocked account is Blnk Bank with a numeric number, stored nowhere (75)', async () => {
    const mocked = await kassa.http.get('/mocked-account');
    assert.equal(mocked.status, 200);
    assert.equal(mocked.body.bank_name, 'Blnk Bank');
    assert.match(mocked.body.account_number, /^\d{12}$/);
    assert.deepEqual((await kassa.http.get('/accounts')).body, []);
  });

  test('validation: Blnk messages under errors, nothing stored (76)', async () => {
    const { ledger, balance_id } = await setup(kassa);
    const both = await kassa.http.post('/accounts', { balance_id, ledger_id: ledger, currency: 'USD' });
    assert.equal(both.status, 400);
    assert.equal(both.body.error_detail.code, 'GEN_VALIDATION_ERROR');
    assert.equal(
      both.body.errors,
      'currency: either Currency or BalanceId must be provided, not both; ledger_id: either LedgerId or BalanceId must be provided, not both.',
    );
    const none = await kassa.http.post('/accounts', {});
    assert.equal(
      none.body.errors,
      'currency: currency is required when Balance ID is not provided; identity_id: Identity ID is required when Balance ID is not provided; ledger_id: Ledger ID is required when Balance ID is not provided.',
    );
    for (const body of [[], 'x', { number: 12 }, { balance_id, meta_data: 'x' }]) {
      const bad = await kassa.http.post('/accounts', body);
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(bad.body.error_detail.code, 'GEN_MALFORMED_REQUEST');
    }
    // Blnk always looks the balance up: without one the account cannot be made
    const noBalance = await kassa.http.post('/accounts', { ledger_id: ledger, identity_id: 'idt_x', currency: 'USD' });
    assert.equal(noBalance.status, 404);
    assert.equal(noBalance.body.error, "Balance with ID '' not found");
    assert.deepEqual((await kassa.http.get('/accounts')).body, []);
  });

  test('create from a balance: acc_ id, name from the identity, ledger and currency from the balance (76)', async () => {
    const { ledger, identity_id, balance_id } = await setup(kassa);
    const created = await kassa.http.post('/accounts', {
      balance_id,
      number: '0123456789',
      bank_name: 'Kassa Bank',
      meta_data: { purpose: 'payouts' },
    });
    assert.equal(created.status, 201);
    const account = created.body;
    assert.match(account.account_id, /^acc_[0-9a-f-]{36}$/);
    assert.deepEqual(Object.keys(account), [
      'account_id',
      'name',
      'number',
      'bank_name',
      'currency',
      'balance_id',
      'identity_id',
      'ledger_id',
      'ledger',
      'balance',
      'identity',
      'created_at',
      'meta_data',
    ]);
    assert.equal(account.name, 'Ada Lovelace');
    assert.equal(account.ledger_id, ledger);
    assert.equal(account.identity_id, identity_id);
    assert.equal(account.currency, 'USD');
    assert.equal(account.ledger, null);
    assert.deepEqual(account.meta_data, { purpose: 'payouts' });

    const plain = await kassa.http.get(`/accounts/${account.account_id}`);
    assert.deepEqual(plain.body, account);
    const full = await kassa.http.get(`/accounts/${account.account_id}?include=balance&include=identity&include=ledger`);
    assert.equal(full.body.balance.balance_id, balance_id);
    assert.equal(full.body.identity.first_name, 'Ada');
    assert.equal(full.body.ledger.ledger_id, ledger);
    const missing = await kassa.http.get('/accounts/acc_nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_detail.code, 'ACC_NOT_FOUND');

    const duplicate = await kassa.http.post('/accounts', { balance_id, number: '0123456789' });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.error_detail.code, 'ACC_DUPLICATE');
  });

  test('an organization is named by its organization_name; a balance without identity takes the request’s', async () => {
    const org = await setup(kassa, { identity_type: 'organization', organization_name: 'Analytical Engines Ltd' });
    const created = await kassa.http.post('/accounts', { balance_id: org.balance_id, number: 'org-1' });
    assert.equal(created.body.name, 'Analytical Engines Ltd');

    const ledger = (await kassa.http.post('/ledgers', { name: 'no identity' })).body.ledger_id;
    const balance_id = (await kassa.http.post('/balances', { ledger_id: ledger, currency: 'EUR' })).body.balance_id;
    const withoutIdentity = await kassa.http.post('/accounts', { balance_id, number: 'anon-1' });
    assert.equal(withoutIdentity.status, 404);
    assert.equal(withoutIdentity.body.error, "Identity with ID '' not found");
    const withRequestIdentity = await kassa.http.post('/accounts', {
      balance_id,
      number: 'anon-1',
      identity_id: org.identity_id,
    });
    assert.equal(withRequestIdentity.status, 201);
    assert.equal(withRequestIdentity.body.identity_id, org.identity_id);
    assert.equal(withRequestIdentity.body.currency, 'EUR');

    // an identity an account refers to cannot be deleted
    const deleted = await kassa.http.delete(`/identities/${org.identity_id}`);
    assert.equal(deleted.status, 409);
  });

  test('list, query-string filters and the filter body', async () => {
    const { balance_id } = await setup(kassa);
    const created = (await kassa.http.post('/accounts', { balance_id, number: 'filter-me', bank_name: 'Filter Bank' })).body;
    const all = await kassa.http.get('/accounts');
    assert.ok(all.body.some((a: { account_id: string }) => a.account_id === created.account_id));
    const byQuery = await kassa.http.get('/accounts?number_eq=filter-me');
    assert.deepEqual(
      byQuery.body.map((a: { account_id: string }) => a.account_id),
      [created.account_id],
    );
    const byBody = await kassa.http.post('/accounts/filter', {
      filters: [{ field: 'bank_name', operator: 'eq', value: 'Filter Bank' }],
      include_count: true,
    });
    assert.equal(byBody.status, 200);
    assert.equal(byBody.body.total_count, 1);
    assert.equal(byBody.body.data[0].account_id, created.account_id);
    const badField = await kassa.http.post('/accounts/filter', { filters: [{ field: 'secret', operator: 'eq', value: 'x' }] });
    assert.equal(badField.status, 400);
  });
});

describe('automatic account numbers', () => {
  let kassa: TestKassa;
  let service: Server;
  let mode: 'both' | 'number-only' | 'garbage' | 'error' | 'hang' = 'both';
  const seen: Array<string | undefined> = [];
  before(async () => {
    service = createServer((request: IncomingMessage, response: ServerResponse) => {
      seen.push(request.headers.authorization);
      if (mode === 'hang') return; // never answers
      if (mode === 'error') return void response.writeHead(502).end('bad gateway');
      response.writeHead(200, { 'content-type': 'application/json' });
      if (mode === 'garbage') return void response.end('{"account_number": 12');
      const number = `gen-${seen.length}`;
      response.end(
        JSON.stringify(mode === 'both' ? { account_number: number, bank_name: 'Service Bank' } : { account_number: number }),
      );
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    const { port } = service.address() as AddressInfo;
    kassa = await startKassa({
      env: {
        BLNK_ACCOUNTNUMBERGENERATION_ENABLEAUTOGENERATION: 'true',
        BLNK_ACCOUNTNUMBERGENERATION_HTTPSERVICE_URL: `http://127.0.0.1:${port}/numbers`,
        BLNK_ACCOUNTNUMBERGENERATION_HTTPSERVICE_TIMEOUT: '1',
        BLNK_ACCOUNTNUMBERGENERATION_HTTPSERVICE_HEADERS_AUTHORIZATION: 'Bearer service-token',
      },
    });
  });
  after(async () => {
    await kassa.close();
    service.closeAllConnections();
    await new Promise((resolve) => service.close(resolve));
  });

  test('the service’s number and bank replace the request’s, with the Authorization header sent', async () => {
    const { balance_id } = await setup(kassa);
    mode = 'both';
    const created = await kassa.http.post('/accounts', { balance_id, number: 'mine', bank_name: 'Mine' });
    assert.equal(created.status, 201);
    assert.match(created.body.number, /^gen-\d+$/);
    assert.equal(created.body.bank_name, 'Service Bank');
    assert.equal(seen.at(-1), 'Bearer service-token');

    mode = 'number-only';
    const kept = await kassa.http.post('/accounts', { balance_id, number: 'kept', bank_name: 'Mine' });
    assert.equal(kept.body.number, 'kept', 'both values are needed to override');
  });

  test('a service that fails, answers garbage or times out: ACC_GENERATION_FAILED, nothing stored', async () => {
    const { balance_id } = await setup(kassa);
    const before = (await kassa.http.get('/accounts')).body.length;
    for (const failing of ['error', 'garbage', 'hang'] as const) {
      mode = failing;
      const refused = await kassa.http.post('/accounts', { balance_id, number: `n-${failing}` });
      assert.equal(refused.status, 500, failing);
      assert.equal(refused.body.error_detail.code, 'ACC_GENERATION_FAILED');
      assert.match(refused.body.error, /account number generation failed/);
      assert.equal(refused.text.includes('service-token'), false);
      assert.equal(refused.text.includes('127.0.0.1'), false);
    }
    assert.equal((await kassa.http.get('/accounts')).body.length, before);
  });
});
