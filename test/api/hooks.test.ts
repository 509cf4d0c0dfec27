// /hooks management (blnk-contract.md platform §1.1–1.2, §12 1–7) and hook deliveries from the outbox
// (§1.4–1.6, §12 9, 12–15). Deliveries are recorded here through recordHookDeliveries, the function
// the engine calls inside its transactions.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { eventually, Receiver, settle, type Answer } from '../support/receiver.js';
import { recordHookDeliveries, type HookTransaction, type HookType } from '../../src/events/hooks.js';
import { verifyKassaSignature } from '../../src/events/signature.js';
import { createKey, MASTER_KEY, SECURE_ENV } from '../support/keys.js';

const SECRET = 'hooks-test-secret-0123456789abcdef0123';

describe('hook management', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa({ env: { BLNK_SERVER_SECRET_KEY: SECRET } });
  });
  after(() => kassa.close());

  const hook = (extra: Record<string, unknown> = {}) => ({
    name: 'h',
    url: 'http://127.0.0.1:9/h',
    type: 'POST_TRANSACTION',
    active: true,
    timeout: 5,
    retry_count: 1,
    ...extra,
  });

  test('registering returns 201 with a hook_ id, Blnk field order and last_success false', async () => {
    const res = await kassa.http.post('/hooks', hook());
    assert.equal(res.status, 201);
    assert.match(res.body.id, /^hook_[0-9a-f-]{36}$/);
    assert.deepEqual(Object.keys(res.body), [
      'id',
      'name',
      'url',
      'type',
      'active',
      'timeout',
      'retry_count',
      'created_at',
      'last_run',
      'last_success',
    ]);
    assert.equal(res.body.last_success, false);
    assert.equal(res.body.last_run, '0001-01-01T00:00:00Z');
    assert.equal(res.body.timeout, 5);
    assert.equal(res.body.retry_count, 1);
    assert.deepEqual((await kassa.http.get(`/hooks/${res.body.id}`)).body, res.body);
  });

  test('registration defaults: timeout <= 0 becomes 30, retry_count < 0 becomes 3, above 10 becomes 10', async () => {
    const defaults = await kassa.http.post('/hooks', hook({ timeout: 0, retry_count: -1 }));
    assert.equal(defaults.body.timeout, 30);
    assert.equal(defaults.body.retry_count, 3);
    const capped = await kassa.http.post('/hooks', hook({ retry_count: 50 }));
    assert.equal(capped.body.retry_count, 10);
    const stored = await kassa.http.get(`/hooks/${capped.body.id}`);
    assert.equal(stored.body.retry_count, 10);
  });

  test('a client-supplied id is kept; a taken one is refused', async () => {
    const res = await kassa.http.post('/hooks', hook({ id: 'my-hook' }));
    assert.equal(res.status, 201);
    assert.equal(res.body.id, 'my-hook');
    const again = await kassa.http.post('/hooks', hook({ id: 'my-hook' }));
    assert.equal(again.status, 409, again.text);
    assert.equal(again.body.error_detail.code, 'GEN_CONFLICT');
  });

  test('missing url or a bad type (deviation: Blnk answers 500): 400 HOOK_INVALID in the legacy bare envelope; nothing stored', async () => {
    const before = (await kassa.http.get('/hooks')).body.length;
    for (const [body, problem] of [
      [hook({ url: undefined }), 'url is required'],
      [hook({ type: 'FOO' }), 'type must be PRE_TRANSACTION or POST_TRANSACTION'],
    ] as const) {
      const res = await kassa.http.post('/hooks', body);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, {
        code: 'INVALID_INPUT',
        message: `failed to register hook: ${problem}`,
        details: {},
        error_detail: { code: 'HOOK_INVALID', message: `failed to register hook: ${problem}` },
      });
    }
    assert.equal((await kassa.http.get('/hooks')).body.length, before);
  });

  test('malformed JSON or wrongly typed fields: 400 HOOK_INVALID', async () => {
    for (const body of ['{"url":', '[1]', JSON.stringify(hook({ timeout: '5' })), JSON.stringify(hook({ active: 'yes' }))]) {
      const res = await kassa.http.post('/hooks', body);
      assert.equal(res.status, 400, body);
      assert.equal(res.body.code, 'INVALID_INPUT');
      assert.equal(res.body.error_detail.code, 'HOOK_INVALID');
      assert.equal(res.body.message, 'invalid hook data');
    }
  });

  test('listing by type, and without type every hook exactly once; an unknown type is []', async () => {
    const pre = await kassa.http.post('/hooks', hook({ type: 'PRE_TRANSACTION', name: 'pre' }));
    const post = await kassa.http.post('/hooks', hook({ name: 'post' }));
    const pres = (await kassa.http.get('/hooks?type=PRE_TRANSACTION')).body as { id: string; type: string }[];
    assert.ok(pres.some((h) => h.id === pre.body.id));
    assert.ok(pres.every((h) => h.type === 'PRE_TRANSACTION'));
    const all = (await kassa.http.get('/hooks')).body as { id: string }[];
    assert.equal(all.filter((h) => h.id === pre.body.id).length, 1);
    assert.equal(all.filter((h) => h.id === post.body.id).length, 1);
    assert.equal(new Set(all.map((h) => h.id)).size, all.length);
    const unknown = await kassa.http.get('/hooks?type=FOO');
    assert.equal(unknown.status, 200);
    assert.deepEqual(unknown.body, []);
  });

  test('PUT replaces every field without defaults, keeping id and created_at; unknown id is 404', async () => {
    const created = await kassa.http.post('/hooks', hook());
    const res = await kassa.http.put(`/hooks/${created.body.id}`, {
      id: 'ignored',
      url: 'http://127.0.0.1:9/new',
      type: 'PRE_TRANSACTION',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.id, created.body.id);
    assert.equal(res.body.created_at, created.body.created_at);
    assert.equal(res.body.url, 'http://127.0.0.1:9/new');
    assert.equal(res.body.type, 'PRE_TRANSACTION');
    assert.equal(res.body.name, '');
    assert.equal(res.body.active, false);
    assert.equal(res.body.timeout, 0);
    assert.equal(res.body.retry_count, 0);
    const missing = await kassa.http.put('/hooks/hook_missing', hook());
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_detail.code, 'HOOK_NOT_FOUND');
    assert.equal(missing.body.message, 'failed to update hook');
  });

  test('DELETE answers the message; a later GET is 404 HOOK_NOT_FOUND; deleting again is 404', async () => {
    const created = await kassa.http.post('/hooks', hook());
    const res = await kassa.http.delete(`/hooks/${created.body.id}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { message: 'hook deleted successfully' });
    const read = await kassa.http.get(`/hooks/${created.body.id}`);
    assert.equal(read.status, 404);
    assert.deepEqual(read.body, {
      code: 'NOT_FOUND',
      message: 'hook not found',
      details: {},
      error_detail: { code: 'HOOK_NOT_FOUND', message: 'hook not found' },
    });
    assert.equal((await kassa.http.delete(`/hooks/${created.body.id}`)).status, 404);
  });
});

describe('hook management in secure mode', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa({ env: SECURE_ENV });
  });
  after(() => kassa.close());

  test('the master key manages hooks; a *:* API key is refused on every route and changes nothing', async () => {
    const master = kassa.http.with({ 'X-Blnk-Key': MASTER_KEY });
    const created = await master.post('/hooks', {
      name: 'h',
      url: 'http://127.0.0.1:9/h',
      type: 'POST_TRANSACTION',
      active: true,
    });
    assert.equal(created.status, 201);
    const id = created.body.id;
    const everything = await createKey(master, { owner: 'team-x', scopes: ['*:*'] });
    const attempts: [string, string, unknown?][] = [
      ['POST', '/hooks', { name: 'evil', url: 'http://127.0.0.1:9/evil', type: 'POST_TRANSACTION', active: true }],
      ['GET', '/hooks'],
      ['GET', `/hooks/${id}`],
      ['PUT', `/hooks/${id}`, { name: 'evil', url: 'http://127.0.0.1:9/evil', type: 'POST_TRANSACTION', active: true }],
      ['DELETE', `/hooks/${id}`],
    ];
    for (const [method, path, body] of attempts) {
      const res = await everything.http.request(method, path, body);
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.body.error_detail.code, 'AUTH_MASTER_KEY_REQUIRED');
    }
    const list = await master.get('/hooks');
    assert.deepEqual(list.body, [created.body], 'the hook is unchanged and no other exists');
    assert.equal(
      (await master.put(`/hooks/${id}`, { name: 'renamed', url: 'http://127.0.0.1:9/h', type: 'POST_TRANSACTION' })).status,
      200,
    );
    assert.equal((await master.delete(`/hooks/${id}`)).status, 200);
  });
});

describe('hook deliveries', () => {
  const receiver = new Receiver();
  let kassa: TestKassa;
  before(async () => {
    await receiver.start();
    kassa = await startKassa({
      env: { BLNK_SERVER_SECRET_KEY: SECRET, KASSA_EVENTS_RETRY_BASE_MS: '50', KASSA_EVENTS_RETRY_DELAY_MAX_MS: '200' },
    });
  });
  after(async () => {
    await kassa.close();
    await receiver.stop();
  });

  let seq = 0;
  /** A hook whose receiver path is unique, answering with `answer`. */
  async function hookAt(answer: (n: number) => Answer, extra: Record<string, unknown> = {}) {
    const path = `/h${++seq}`;
    const previous = receiver.respond;
    receiver.respond = (request, all) =>
      request.path === path ? answer(all.filter((r) => r.path === path).length) : previous(request, all);
    const res = await kassa.http.post('/hooks', {
      name: path,
      url: receiver.url.replace('/hook', path),
      type: 'POST_TRANSACTION',
      active: true,
      timeout: 5,
      retry_count: 1,
      ...extra,
    });
    assert.equal(res.status, 201);
    return { id: res.body.id as string, requests: () => receiver.requests.filter((r) => r.path === path) };
  }

  const transaction = (status = 'APPLIED'): HookTransaction => ({
    transaction_id: `txn_${crypto.randomUUID()}`,
    amount: 10,
    precise_amount: 123456789012345678901234567890n,
    status,
  });
  const record = (type: HookType, txns: HookTransaction[]) =>
    kassa.server.db.transaction((tx) =>
      recordHookDeliveries(
        tx,
        txns.map((transaction) => ({ type, transaction })),
      ),
    );
  const hookState = async (id: string) => (await kassa.http.get(`/hooks/${id}`)).body;

  test('a POST hook gets the transaction with X-Hook-ID, X-Hook-Type, the body keys and a signature that verifies', async () => {
    const hook = await hookAt(() => ({ status: 200, body: '{"success":true}' }));
    const txn = transaction();
    await record('POST_TRANSACTION', [txn]);
    const [request] = await eventually(() => hook.requests().length > 0 && hook.requests());
    assert.equal(request.headers['x-hook-id'], hook.id);
    assert.equal(request.headers['x-hook-type'], 'POST_TRANSACTION');
    assert.match(request.headers['x-blnk-delivery-id'] as string, /^hdl_[0-9a-f-]{36}$/);
    assert.equal(request.body.transaction_id, txn.transaction_id);
    assert.equal(request.body.hook_type, 'POST_TRANSACTION');
    assert.equal(request.body.event, 'transaction.applied');
    assert.ok(!Number.isNaN(Date.parse(request.body.timestamp)));
    assert.equal(request.body.data.status, 'APPLIED');
    assert.match(request.rawBody, /"precise_amount":123456789012345678901234567890/);
    const signed = {
      secret: SECRET,
      timestamp: request.headers['x-blnk-timestamp'] as string,
      signature: request.headers['x-blnk-signature'] as string,
      rawBody: request.rawBody,
      tolerance_s: 300,
    };
    assert.ok(verifyKassaSignature(signed));
    assert.ok(!verifyKassaSignature({ ...signed, rawBody: request.rawBody.replace('APPLIED', 'APPLIEd') }));
    await eventually(async () => (await hookState(hook.id)).last_success === true, 15_000, 'last_success');
  });

  test('only active hooks of the recorded type get deliveries', async () => {
    const inactive = await hookAt(() => ({ status: 200 }), { active: false });
    const pre = await hookAt(() => ({ status: 200 }), { type: 'PRE_TRANSACTION' });
    const post = await hookAt(() => ({ status: 200 }));
    await record('POST_TRANSACTION', [transaction()]);
    await eventually(() => post.requests().length > 0);
    await settle(500);
    assert.equal(inactive.requests().length, 0);
    assert.equal(pre.requests().length, 0);
    const queued = transaction('QUEUED');
    await record('PRE_TRANSACTION', [queued]);
    const [request] = await eventually(() => pre.requests().length > 0 && pre.requests());
    assert.equal(request.headers['x-hook-type'], 'PRE_TRANSACTION');
    assert.equal(request.body.data.status, 'QUEUED');
  });

  test('retry_count 1 against an endpoint answering 500: exactly 2 attempts, last_success false', async () => {
    const hook = await hookAt(() => ({ status: 500 }));
    await record('POST_TRANSACTION', [transaction()]);
    await eventually(() => hook.requests().length >= 2, 15_000, 'two attempts');
    await settle(800);
    assert.equal(hook.requests().length, 2);
    const state = await hookState(hook.id);
    assert.equal(state.last_success, false);
    assert.notEqual(state.last_run, '0001-01-01T00:00:00Z');
  });

  test('200 {"ok":true} counts as failed and is retried; 200 with an empty body succeeds', async () => {
    const ok = await hookAt(() => ({ status: 200, body: '{"ok":true}' }));
    await record('POST_TRANSACTION', [transaction()]);
    await eventually(() => ok.requests().length >= 2, 15_000, 'the retry');
    await eventually(async () => (await hookState(ok.id)).last_run !== '0001-01-01T00:00:00Z');
    assert.equal((await hookState(ok.id)).last_success, false);

    const empty = await hookAt(() => ({ status: 200 }));
    await record('POST_TRANSACTION', [transaction()]);
    const state = await eventually(
      async () => {
        const s = await hookState(empty.id);
        return s.last_success === true && s;
      },
      15_000,
      'last_success true',
    );
    assert.ok(!Number.isNaN(Date.parse(state.last_run)));
    assert.notEqual(state.last_run, '0001-01-01T00:00:00Z');
    await settle(500);
    assert.equal(empty.requests().length, 1);
  });

  test('a timeout of 0 (set through PUT) fails every attempt without calling; a deleted hook gets nothing more', async () => {
    const hook = await hookAt(() => ({ status: 200 }));
    const put = await kassa.http.put(`/hooks/${hook.id}`, {
      url: receiver.url.replace('/hook', `/h${seq}`),
      type: 'POST_TRANSACTION',
      active: true,
      retry_count: 1,
    });
    assert.equal(put.body.timeout, 0);
    await record('POST_TRANSACTION', [transaction()]);
    await eventually(async () => (await hookState(hook.id)).last_run !== '0001-01-01T00:00:00Z');
    assert.equal(hook.requests().length, 0);

    const slow = await hookAt(() => ({ status: 500 }), { retry_count: 10 });
    await record('POST_TRANSACTION', [transaction()]);
    await eventually(() => slow.requests().length >= 1);
    assert.equal((await kassa.http.delete(`/hooks/${slow.id}`)).status, 200);
    const seen = slow.requests().length;
    await settle(1_000);
    assert.ok(slow.requests().length <= seen + 1, 'at most the attempt in flight at deletion');
  });
});
