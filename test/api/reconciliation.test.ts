// Reconciliation (issue 15; blnk-contract.md platform §10, behaviours 65-74): uploads by file and by URL, the
// matching rules, runs of the three strategies with their results and side effects, and bad input
// answered 4xx with nothing left behind.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKassa, type TestKassa } from '../support/kassa.js';
import type { HttpClient } from '../support/http.js';
import { eventually, Receiver } from '../support/receiver.js';
import { csv, uploadFile } from '../support/uploads.js';

const tag = `r${Date.now().toString(36)}`;

describe('reconciliation', () => {
  let kassa: TestKassa;
  let http: HttpClient;
  let ledger: string;
  let usd: string;
  let eur: string;
  const receiver = new Receiver();
  const now = new Date();
  const iso = (offset_s = 0) => new Date(now.getTime() + offset_s * 1000).toISOString();

  const transfer = async (fields: Record<string, unknown>) => {
    const res = await http.post('/transactions', {
      precision: 100,
      currency: 'USD',
      description: 'payment',
      source: '@world-usd',
      destination: usd,
      allow_overdraft: true,
      skip_queue: true,
      ...fields,
    });
    assert.equal(res.status, 201, res.text);
    return res.body as { transaction_id: string; reference: string };
  };
  const rule = async (criteria: Record<string, unknown>[], name = 'rule') => {
    const res = await http.post('/reconciliation/matching-rules', { name, description: 'test rule', criteria });
    assert.equal(res.status, 201, res.text);
    return res.body.rule_id as string;
  };
  const finished = async (reconciliation_id: string) =>
    eventually(
      async () => {
        const res = await http.get(`/reconciliation/${reconciliation_id}`);
        assert.equal(res.status, 200, res.text);
        return res.body.status === 'completed' || res.body.status === 'failed' ? res.body : undefined;
      },
      30_000,
      `reconciliation ${reconciliation_id} to finish`,
    );
  const start = async (body: Record<string, unknown>) => {
    const res = await http.post('/reconciliation/start', body);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body), ['reconciliation_id']);
    assert.match(res.body.reconciliation_id, /^recon_[0-9a-f-]{36}$/);
    return res.body.reconciliation_id as string;
  };
  const uploaded = async (rows: (string | number)[][]) => {
    const res = await uploadFile(http, csv(rows), 'statement.csv');
    assert.equal(res.status, 200, res.text);
    return res.body.upload_id as string;
  };

  before(async () => {
    await receiver.start();
    kassa = await startKassa({ env: { BLNK_WEBHOOK_URL: receiver.url, KASSA_EVENTS_RETRY_BASE_MS: '50' } });
    http = kassa.http;
    ledger = (await http.post('/ledgers', { name: 'Reconciliation' })).body.ledger_id;
    usd = (await http.post('/balances', { ledger_id: ledger, currency: 'USD' })).body.balance_id;
    eur = (await http.post('/balances', { ledger_id: ledger, currency: 'EUR' })).body.balance_id;
  });
  after(async () => {
    await kassa.close();
    await receiver.stop();
  });

  describe('upload', () => {
    test('a CSV file as multipart: 200 with upload_id, record_count and source (behaviour 65)', async () => {
      const res = await uploadFile(
        http,
        csv([
          [`${tag}-u1`, '100.00', 'USD', 'REF-1', 'first', iso()],
          [`${tag}-u2`, '-5.5', 'USD', 'REF-2', 'second', iso()],
        ]),
        'statement.csv',
      );
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(Object.keys(res.body).sort(), ['record_count', 'source', 'upload_id']);
      assert.equal(res.body.record_count, 2);
      assert.equal(res.body.source, 'bank');
      assert.match(res.body.upload_id, /^upload_[0-9a-f-]{36}$/);
    });

    test('a JSON array with exact amounts; the kind is sniffed when the name says nothing', async () => {
      const body = `[{"id":"${tag}-j1","amount":12345678901234567.89,"currency":"USD","reference":"J1","description":"big","date":"${iso()}"},
        {"id":"${tag}-j2","amount":1e2,"currency":"USD","reference":"J2","description":"exp","date":"${iso()}","source":"ignored"}]`;
      const res = await uploadFile(http, body, 'download', { source: 'json-bank' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.record_count, 2);
      assert.equal(res.body.source, 'json-bank');
    });

    test('CSV headers are matched case-insensitively and trimmed; extra columns are ignored', async () => {
      const header = ' id ,AMOUNT,currency,Reference, Description ,Date,Branch';
      const res = await uploadFile(http, csv([[`${tag}-h1`, '1', 'USD', 'H1', 'd', iso(), 'north']], header), 'x.csv');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.record_count, 1);
    });

    const refused = async (content: string, file_name: string, pattern: RegExp) => {
      const res = await uploadFile(http, content, file_name);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error_detail.code, 'RECON_UPLOAD_INVALID');
      assert.match(res.body.error_detail.message, pattern);
      return res;
    };

    test('bad files are 400 naming what and where, and leave nothing behind (behaviour 66, as a 4xx)', async () => {
      await refused(
        csv([[`${tag}-b1`, '1', 'USD', 'R', 'd']], 'ID,Amount,Currency,Reference,Description'),
        'a.csv',
        /missing: date/,
      );
      // The second row is bad: the first must not stay (its id is free for the next upload).
      const first = [`${tag}-b2`, '1', 'USD', 'R', 'd', iso()];
      await refused(csv([first, [`${tag}-b3`, '1', 'USD']]), 'a.csv', /^row 2: has 3 fields where the header has 6$/);
      await refused(csv([first, [`${tag}-b4`, '1,000', 'USD', 'R', 'd', iso()]]), 'a.csv', /row 2: /);
      await refused(csv([first, [`${tag}-b5`, 'ten', 'USD', 'R', 'd', iso()]]), 'a.csv', /^row 2: amount must be a decimal/);
      await refused(csv([first, [`${tag}-b6`, '1', 'USD', 'R', 'd', '2024-02-30T00:00:00Z']]), 'a.csv', /^row 2: date must be/);
      await refused(csv([first, [`${tag}-b7`, '1', 'USD', 'R', 'd', '31/01/2024']]), 'a.csv', /^row 2: date must be/);
      await refused(csv([first, [`${tag}-b8`, '1', 'USD', 'R', '', iso()]]), 'a.csv', /^row 2: description is required$/);
      await refused(csv([first, first]), 'a.csv', /^row 2: id .* repeats row 1$/);
      await refused('{"id":"x"}', 'a.json', /must be an array/);
      await refused('[1]', 'a.json', /^row 1: must be an object$/);
      await refused('[{"id":"x","amount":"1"', 'a.json', /must be an array/);
      await refused('just some words', 'notes.txt', /unsupported file type/);
      await refused(
        csv([first, [`${tag}-b9`, '1', 'USD', 'R', 'd', '2024-01-01T00:00:00+16:00']]),
        'a.csv',
        /^row 2: date must be/,
      );
      // One record may not hold more than 1 MiB: the server refuses it before assembling it.
      await refused(`[{"id":"a","junk":[${'1,'.repeat(600_000)}1]}]`, 'a.json', /^row 1: is larger than 1048576 characters$/);
      const valid = `{"id":"${tag}-b10","amount":"1","currency":"USD","reference":"R","description":"d","date":"${iso()}"}`;
      await refused(`[${valid},{"junk":"${'x'.repeat(1_100_000)}"}]`, 'a.json', /^row 2: is larger than/);
      const ok = await uploadFile(http, csv([first]), 'a.csv');
      assert.equal(ok.status, 200, ok.text);
      // ...and now the id is taken, by an earlier upload.
      await refused(csv([first]), 'a.csv', /^row 1: id .* is already stored/);
    });

    test('no file and no URL: 400 RECON_UPLOAD_FAILED', async () => {
      const res = await http.post('/reconciliation/upload', { source: 'bank' });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error_detail.code, 'RECON_UPLOAD_FAILED');
      assert.equal(res.body.error, 'File upload failed');
    });

    test('URLs: the scheme and an empty whitelist are refused (behaviour 67)', async () => {
      let res = await http.post('/reconciliation/upload', { url: 'https://example.com/x.csv', source: 'bank' });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error_detail.code, 'RECON_UPLOAD_HOST_NOT_ALLOWED');
      res = await http.post('/reconciliation/upload', { url: 'ftp://example.com/x.csv', source: 'bank' });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error_detail.code, 'RECON_UPLOAD_URL_INVALID');
    });
  });

  describe('matching rules', () => {
    test('create 201 with rule_, read back, replace, delete 200 then 404 (behaviour 70)', async () => {
      const criteria = [{ field: 'amount', operator: 'equals', allowable_drift: 0.01 }];
      const created = await http.post('/reconciliation/matching-rules', { name: 'Amounts', description: 'within 1%', criteria });
      assert.equal(created.status, 201, created.text);
      assert.match(created.body.rule_id, /^rule_[0-9a-f-]{36}$/);
      assert.deepEqual(created.body.criteria, [
        { field: 'amount', operator: 'equals', value: '', pattern: '', allowable_drift: 0.01 },
      ]);
      const id = created.body.rule_id;
      const read = await http.get(`/reconciliation/matching-rules/${id}`);
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.body, created.body);
      const listed = await http.get('/reconciliation/matching-rules?limit=100');
      assert.ok(listed.body.some((r: any) => r.rule_id === id));
      const replaced = await http.put(`/reconciliation/matching-rules/${id}`, {
        name: 'References',
        criteria: [{ field: 'reference', operator: 'contains', allowable_drift: 10 }],
      });
      assert.equal(replaced.status, 200, replaced.text);
      assert.equal(replaced.body.name, 'References');
      assert.equal(replaced.body.created_at, created.body.created_at);
      assert.equal((await http.get(`/reconciliation/matching-rules/${id}`)).body.criteria[0].field, 'reference');
      const deleted = await http.delete(`/reconciliation/matching-rules/${id}`);
      assert.equal(deleted.status, 200);
      assert.deepEqual(deleted.body, { message: 'Matching rule deleted successfully' });
      for (const res of [
        await http.delete(`/reconciliation/matching-rules/${id}`),
        await http.get(`/reconciliation/matching-rules/${id}`),
        await http.put(`/reconciliation/matching-rules/${id}`, { name: 'x', criteria }),
      ]) {
        assert.equal(res.status, 404, res.text);
        assert.equal(res.body.error_detail.code, 'RECON_RULE_NOT_FOUND');
      }
    });

    test("invalid rules: 400 RECON_RULE_INVALID with Blnk's messages (behaviour 69)", async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ criteria: [{ field: 'amount', operator: 'equals' }] }, /^rule name is required$/],
        [{ name: 'r', criteria: [] }, /^at least one matching criteria is required$/],
        [{ name: 'r', criteria: [{ field: 'amount' }] }, /^field and operator are required for each criteria$/],
        [{ name: 'r', criteria: [{ field: 'date', operator: 'after' }] }, /^invalid operator$/],
        [{ name: 'r', criteria: [{ field: 'iban', operator: 'equals' }] }, /^invalid field$/],
        [
          { name: 'r', criteria: [{ field: 'amount', operator: 'equals', allowable_drift: 2 }] },
          /^drift for amount must be between 0 and 1/,
        ],
        [
          { name: 'r', criteria: [{ field: 'date', operator: 'equals', allowable_drift: -1 }] },
          /^drift for date must be non-negative/,
        ],
        [
          { name: 'r', criteria: [{ field: 'date', operator: 'equals', allowable_drift: 'a lot' }] },
          /allowable_drift must be a number/,
        ],
      ];
      for (const [body, message] of cases) {
        const res = await http.post('/reconciliation/matching-rules', body);
        assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
        assert.equal(res.body.error_detail.code, 'RECON_RULE_INVALID');
        assert.match(res.body.error_detail.message, message);
      }
    });
  });

  describe('runs', () => {
    test('bad start requests are 4xx and store nothing (behaviours 71, 74)', async () => {
      const rule_id = await rule([{ field: 'amount', operator: 'equals' }]);
      const upload_id = await uploaded([[`${tag}-s1`, '1', 'USD', 'R', 'd', iso()]]);
      const cases: [Record<string, unknown>, number, string][] = [
        [{ upload_id, strategy: 'one_to_one', matching_rule_ids: [] }, 400, 'RECON_MATCHING_RULES_REQUIRED'],
        [{ upload_id, matching_rule_ids: [rule_id] }, 400, 'GEN_MALFORMED_REQUEST'],
        [{ upload_id, strategy: 'one_to_one' }, 400, 'GEN_MALFORMED_REQUEST'],
        [{ strategy: 'one_to_one', matching_rule_ids: [rule_id] }, 400, 'GEN_MALFORMED_REQUEST'],
        [{ upload_id, strategy: 'best_guess', matching_rule_ids: [rule_id] }, 400, 'GEN_VALIDATION_ERROR'],
        [{ upload_id, strategy: 'one_to_many', matching_rule_ids: [rule_id] }, 400, 'GEN_VALIDATION_ERROR'],
        [
          { upload_id, strategy: 'many_to_one', matching_rule_ids: [rule_id], grouping_criteria: 'status' },
          400,
          'GEN_VALIDATION_ERROR',
        ],
        [{ upload_id, strategy: 'one_to_one', matching_rule_ids: [rule_id, 'rule_unknown'] }, 404, 'RECON_RULE_NOT_FOUND'],
        [{ upload_id: 'upload_unknown', strategy: 'one_to_one', matching_rule_ids: [rule_id] }, 404, 'RECON_UPLOAD_NOT_FOUND'],
      ];
      for (const [body, status, code] of cases) {
        const res = await http.post('/reconciliation/start', body);
        assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
        assert.equal(res.body.error_detail.code, code, JSON.stringify(body));
      }
      const records = Array.from({ length: 10_001 }, (_, i) => ({
        id: `${tag}-i${i}`,
        amount: 1,
        currency: 'USD',
        reference: 'R',
        description: 'd',
        date: iso(),
        source: 'bank',
      }));
      let res = await http.post('/reconciliation/start-instant', {
        external_transactions: records,
        strategy: 'one_to_one',
        matching_rule_ids: [rule_id],
      });
      assert.equal(res.status, 400, res.text);
      res = await http.post('/reconciliation/start-instant', {
        external_transactions: [],
        strategy: 'one_to_one',
        matching_rule_ids: [rule_id],
      });
      assert.equal(res.body.error_detail.code, 'RECON_EXTERNAL_TXNS_REQUIRED');
      res = await http.post('/reconciliation/start-instant', {
        external_transactions: [records[0], { ...records[1], amount: 'lots' }],
        strategy: 'one_to_one',
        matching_rule_ids: [rule_id],
      });
      assert.equal(res.status, 400, res.text);
      assert.match(res.body.error_detail.message, /^external_transactions: row 2: amount/);
      res = await http.get('/reconciliation/recon_unknown');
      assert.equal(res.status, 404);
      assert.equal(res.body.error_detail.code, 'RECON_NOT_FOUND');
      assert.equal(res.body.error, 'Reconciliation not found');
    });

    test('one_to_one matches and marks the transactions; results and the webhook follow (behaviour 72)', async () => {
      const matched = await transfer({ amount: 100, reference: `${tag}-INV-1001` });
      const queued = await http.post('/transactions', {
        amount: 42.5,
        precision: 100,
        currency: 'USD',
        reference: `${tag}-INV-1002`,
        description: 'queued payment',
        source: '@world-usd',
        destination: usd,
        allow_overdraft: true,
      });
      assert.equal(queued.status, 201, queued.text);
      await transfer({ amount: 100, currency: 'EUR', source: '@world-eur', destination: eur, reference: `${tag}-EUR-1` });
      const upload_id = await uploaded([
        [`${tag}-e1`, '100.00', 'USD', `INV-1001`, 'bank line', iso(60)],
        [`${tag}-e2`, '42.50', 'USD', `${tag}-INV-1002`, 'bank line', iso(60)],
        [`${tag}-e3`, '100.01', 'USD', `INV-1001`, 'no such amount', iso(60)],
        [`${tag}-e4`, '100', 'EUR', `INV-1001`, 'wrong reference', iso(60)],
      ]);
      const rule_id = await rule([
        { field: 'amount', operator: 'equals', allowable_drift: 0 },
        { field: 'reference', operator: 'contains' },
        { field: 'date', operator: 'equals', allowable_drift: 3600 },
      ]);
      const reconciliation_id = await start({ upload_id, strategy: 'one_to_one', matching_rule_ids: [rule_id] });
      const run = await finished(reconciliation_id);
      assert.deepEqual(
        { ...run, started_at: undefined, completed_at: undefined },
        {
          reconciliation_id,
          upload_id,
          status: 'completed',
          matched_transactions: 2,
          unmatched_transactions: 2,
          is_dry_run: false,
          started_at: undefined,
          completed_at: undefined,
          strategy: 'one_to_one',
          matching_rule_ids: [rule_id],
          grouping_criteria: '',
          processed: 4,
          total: 4,
        },
      );
      assert.ok(Date.parse(run.completed_at) >= Date.parse(run.started_at));

      const matches = await http.get(`/reconciliation/${reconciliation_id}/matches`);
      assert.equal(matches.status, 200, matches.text);
      const queued_id = queued.body.transaction_id;
      assert.deepEqual(
        matches.body.map((m: any) => [m.external_transaction_id, m.internal_transaction_id, m.amount]),
        [
          [`${tag}-e1`, matched.transaction_id, 100],
          [`${tag}-e2`, queued_id, 42.5],
        ],
      );
      const unmatched = await http.get(`/reconciliation/${reconciliation_id}/unmatched`);
      assert.deepEqual(unmatched.body, [{ transaction_id: `${tag}-e3` }, { transaction_id: `${tag}-e4` }]);
      assert.deepEqual((await http.get(`/reconciliation/${reconciliation_id}/matches?limit=1&offset=1`)).body.length, 1);

      const meta = (await http.get(`/transactions/${matched.transaction_id}`)).body.meta_data;
      assert.equal(meta.reconciled, true);
      assert.equal(meta.reconciliation_id, reconciliation_id);
      assert.equal(meta.external_txn_id, `${tag}-e1`);
      assert.equal(meta.reconciliation_amount, 100);
      assert.match(meta.reconciled_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      // The queued transaction's applied row (its child) is marked too.
      const rows = await eventually(async () => {
        const res = await http.get(`/transactions?parent_transaction_eq=${queued_id}`);
        return res.body.length > 0 ? res.body : undefined;
      });
      assert.ok(rows.every((row: any) => row.meta_data.reconciled === true && row.meta_data.external_txn_id === `${tag}-e2`));

      const event = await eventually(
        () =>
          receiver.where(
            (body) => body.event === 'reconciliation.completed' && body.data.reconciliation_id === reconciliation_id,
          )[0],
      );
      assert.equal(event.body.data.matched_transactions, 2);
      assert.equal(event.body.data.unmatched_transactions, 2);
    });

    test('a dry run counts the same but marks nothing (behaviour 73)', async () => {
      const txn = await transfer({ amount: 77, reference: `${tag}-DRY-1` });
      const upload_id = await uploaded([[`${tag}-d1`, '77', 'USD', `${tag}-DRY-1`, 'd', iso()]]);
      const rule_id = await rule([
        { field: 'amount', operator: 'equals' },
        { field: 'reference', operator: 'equals' },
      ]);
      const run = await finished(await start({ upload_id, strategy: 'one_to_one', matching_rule_ids: [rule_id], dry_run: true }));
      assert.equal(run.status, 'completed');
      assert.equal(run.is_dry_run, true);
      assert.equal(run.matched_transactions, 1);
      const meta = (await http.get(`/transactions/${txn.transaction_id}`)).body.meta_data ?? {};
      assert.equal(meta.reconciled, undefined);
      // What would match is still shown.
      assert.equal(
        (await http.get(`/reconciliation/${run.reconciliation_id}/matches`)).body[0].internal_transaction_id,
        txn.transaction_id,
      );
    });

    test('drifts: amounts as a fraction of the internal amount, dates in seconds, contains by edit distance', async () => {
      const txn = await transfer({ amount: 200, reference: `${tag}-DRIFT-ABCDEFGHIJ` });
      const rules = {
        amount: await rule([{ field: 'amount', operator: 'equals', allowable_drift: 0.01 }]),
        date: await rule([{ field: 'date', operator: 'equals', allowable_drift: 5 }]),
        contains: await rule([
          { field: 'amount', operator: 'equals' },
          { field: 'reference', operator: 'contains', allowable_drift: 10 },
        ]),
      };
      const created_at = (await http.get(`/transactions/${txn.transaction_id}`)).body.created_at as string;
      const at = (offset_s: number) => new Date(Date.parse(created_at) + offset_s * 1000).toISOString();
      const instant = async (rule_id: string, record: Record<string, unknown>) => {
        const res = await http.post('/reconciliation/start-instant', {
          external_transactions: [
            { currency: 'USD', description: 'd', date: created_at, reference: 'x', source: 'bank', ...record },
          ],
          strategy: 'one_to_one',
          matching_rule_ids: [rule_id],
        });
        assert.equal(res.status, 200, res.text);
        const run = await finished(res.body.reconciliation_id);
        if (run.matched_transactions === 0) return undefined;
        const matches = await http.get(`/reconciliation/${run.reconciliation_id}/matches`);
        return matches.body[0].internal_transaction_id as string;
      };
      let n = 0;
      const id = () => `${tag}-drift-${n++}`;
      assert.equal(
        await instant(rules.amount, { id: id(), amount: 201.99, reference: `${tag}-DRIFT-ABCDEFGHIJ` }),
        txn.transaction_id,
      );
      assert.notEqual(
        await instant(rules.amount, { id: id(), amount: 202.01, reference: `${tag}-DRIFT-ABCDEFGHIJ` }),
        txn.transaction_id,
      );
      assert.equal(
        await instant(rules.contains, { id: id(), amount: 200, reference: `${tag}-DRIFT-ABCDEFGHXX` }),
        txn.transaction_id,
      );
      assert.equal(await instant(rules.contains, { id: id(), amount: 200, reference: `drift-abcdefghij` }), txn.transaction_id);
      assert.equal(await instant(rules.contains, { id: id(), amount: 200, reference: `${tag}-DRIFT-AXXXXXXXXX` }), undefined);
      const dated = await instant(rules.date, { id: id(), amount: 1, date: at(5) });
      assert.ok(dated !== undefined);
      assert.ok(Math.abs(Date.parse((await http.get(`/transactions/${dated}`)).body.created_at) - Date.parse(at(5))) <= 5000);
    });

    test('one_to_many: a record matches a group of transactions, one match row per member', async () => {
      const target = (await http.post('/balances', { ledger_id: ledger, currency: 'USD' })).body.balance_id;
      const members = [];
      for (const amount of [10, 20, 30.25]) {
        members.push(await transfer({ amount, destination: target, reference: `${tag}-grp-${amount}` }));
      }
      const upload_id = await uploaded([
        [`${tag}-g1`, '60.25', 'USD', `${tag}-grp-20`, 'payout', iso()],
        [`${tag}-g2`, '60.25', 'USD', `${tag}-grp-20`, 'payout again', iso()],
      ]);
      const rule_id = await rule([
        { field: 'amount', operator: 'equals' },
        { field: 'reference', operator: 'equals' },
        { field: 'currency', operator: 'equals' },
      ]);
      const run = await finished(
        await start({ upload_id, strategy: 'one_to_many', grouping_criteria: 'destination', matching_rule_ids: [rule_id] }),
      );
      assert.equal(run.status, 'completed');
      assert.equal(run.matched_transactions, 3);
      // The group is claimed: the second record finds nothing left.
      assert.equal(run.unmatched_transactions, 1);
      const matches = (await http.get(`/reconciliation/${run.reconciliation_id}/matches`)).body;
      assert.deepEqual(
        matches.map((m: any) => [m.external_transaction_id, m.internal_transaction_id, m.amount]),
        members.map((member, i) => [`${tag}-g1`, member.transaction_id, [10, 20, 30.25][i]]),
      );
    });

    test('many_to_one: a group of records matches one transaction; unmatched are transaction ids', async () => {
      const txn = await transfer({ amount: 90, reference: `${tag}-SETTLE-1` });
      const upload_id = await uploaded([
        [`${tag}-m1`, '40', 'USD', `${tag}-SETTLE-1`, 'part', iso()],
        [`${tag}-m2`, '50', 'USD', `${tag}-SETTLE-1`, 'part', iso()],
        [`${tag}-m3`, '7', 'USD', `${tag}-OTHER`, 'other', iso()],
      ]);
      const rule_id = await rule([
        { field: 'amount', operator: 'equals' },
        { field: 'reference', operator: 'equals' },
      ]);
      const run = await finished(
        await start({ upload_id, strategy: 'many_to_one', grouping_criteria: 'reference', matching_rule_ids: [rule_id] }),
      );
      assert.equal(run.status, 'completed');
      assert.equal(run.matched_transactions, 2);
      assert.equal(run.total, run.processed);
      assert.equal(run.unmatched_transactions, run.total - 1);
      const matches = (await http.get(`/reconciliation/${run.reconciliation_id}/matches`)).body;
      assert.deepEqual(
        matches.map((m: any) => [m.external_transaction_id, m.internal_transaction_id, m.amount]),
        [
          [`${tag}-m1`, txn.transaction_id, 40],
          [`${tag}-m2`, txn.transaction_id, 50],
        ],
      );
      const unmatched = (await http.get(`/reconciliation/${run.reconciliation_id}/unmatched?limit=1000`)).body;
      assert.ok(!unmatched.some((u: any) => u.transaction_id === txn.transaction_id));
      assert.equal((await http.get(`/transactions/${txn.transaction_id}`)).body.meta_data.reconciled, true);
    });

    test("the reconciled keys are the server's: a client cannot set them", async () => {
      const txn = await transfer({ amount: 1, reference: `${tag}-META-1` });
      const res = await http.post(`/${txn.transaction_id}/metadata`, { meta_data: { reconciled: true } });
      assert.equal(res.status, 400, res.text);
      assert.match(res.body.error_detail.message, /meta_data\.reconciled: this key is written by the server/);
      const encoded = await http.post(`/%74${txn.transaction_id.slice(1)}/metadata`, { meta_data: { external_txn_id: 'x' } });
      assert.equal(encoded.status, 400, encoded.text);
      const created = await http.post('/transactions', {
        amount: 1,
        precision: 100,
        currency: 'USD',
        reference: `${tag}-META-2`,
        source: '@world-usd',
        destination: usd,
        skip_queue: true,
        allow_overdraft: true,
        meta_data: { reconciled: true },
      });
      assert.equal(created.status, 400, created.text);
      // Only transactions carry them: other entities may use these names.
      const ledgerMeta = await http.post(`/${ledger}/metadata`, { meta_data: { reconciled: 'by hand' } });
      assert.equal(ledgerMeta.status, 200, ledgerMeta.text);
    });
  });
});
