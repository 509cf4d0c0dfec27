// Webhooks from the outbox to a real receiver: signature, delivery id, custom headers, retries,
// a receiver that is down, dead letters (blnk-contract.md platform §2, §12 16–24; spec README deviations).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { eventually, Receiver, settle } from '../support/receiver.js';
import { verifyKassaSignature } from '../../src/events/signature.js';

const SECRET = 'webhook-test-secret-0123456789abcdef';
const FAST_RETRIES = { KASSA_EVENTS_RETRY_BASE_MS: '50', KASSA_EVENTS_RETRY_DELAY_MAX_MS: '400' };

function verifies(request: { headers: Record<string, unknown>; rawBody: string }, rawBody = request.rawBody): boolean {
  return verifyKassaSignature({
    secret: SECRET,
    timestamp: request.headers['x-blnk-timestamp'] as string,
    signature: request.headers['x-blnk-signature'] as string,
    rawBody,
    tolerance_s: 300,
  });
}

describe('webhooks', () => {
  const receiver = new Receiver();
  let kassa: TestKassa;
  before(async () => {
    await receiver.start();
    kassa = await startKassa({
      env: {
        BLNK_WEBHOOK_URL: receiver.url,
        BLNK_SERVER_SECRET_KEY: SECRET,
        BLNK_WEBHOOK_HEADERS: 'X-Env:test',
        ...FAST_RETRIES,
      },
    });
  });
  after(async () => {
    await kassa.close();
    await receiver.stop();
  });

  const ledgerEvents = (ledger_id: string) =>
    receiver.where((body) => body.event === 'ledger.created' && body.data?.ledger_id === ledger_id);

  test('ledger.created arrives signed, with a delivery id and the custom headers', async () => {
    const created = await kassa.http.post('/ledgers', { name: 'hooked', meta_data: { big: 123456789012345678901234567890n } });
    assert.equal(created.status, 201);
    const [request] = await eventually(
      () => ledgerEvents(created.body.ledger_id).length > 0 && ledgerEvents(created.body.ledger_id),
    );
    assert.deepEqual(Object.keys(request.body), ['event', 'data']);
    assert.equal(request.body.data.name, 'hooked');
    assert.match(request.rawBody, /"big":123456789012345678901234567890/);
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['x-env'], 'test');
    assert.match(request.headers['x-blnk-delivery-id'] as string, /^evt_[0-9a-f-]{36}$/);
    assert.match(request.headers['x-blnk-timestamp'] as string, /^\d+$/);
    assert.match(request.headers['x-blnk-signature'] as string, /^[0-9a-f]{64}$/);
    assert.ok(verifies(request), 'the signature verifies over the raw body');
    assert.ok(!verifies(request, request.rawBody.replace('hooked', 'hooker')), 'one changed byte breaks it');
  });

  test('balance.created arrives signed', async () => {
    const ledger = await kassa.http.post('/ledgers', { name: 'for-balance' });
    const balance = await kassa.http.post('/balances', { ledger_id: ledger.body.ledger_id, currency: 'USD' });
    assert.equal(balance.status, 201);
    const [request] = await eventually(() => {
      const found = receiver.where((b) => b.event === 'balance.created' && b.data?.balance_id === balance.body.balance_id);
      return found.length > 0 && found;
    });
    assert.equal(request.body.data.currency, 'USD');
    assert.ok(verifies(request));
  });

  test('identity.created arrives signed', async () => {
    const identity = await kassa.http.post('/identities', { first_name: 'Ada', last_name: 'L', identity_type: 'individual' });
    assert.equal(identity.status, 201);
    const [request] = await eventually(() => {
      const found = receiver.where((b) => b.event === 'identity.created' && b.data?.identity_id === identity.body.identity_id);
      return found.length > 0 && found;
    });
    assert.equal(request.body.data.first_name, 'Ada');
    assert.ok(verifies(request));
  });

  test('a receiver answering 500 three times then 200 gets the event once the retries land', async () => {
    receiver.respond = (request, all) => {
      if (request.body?.data?.name !== 'flaky') return { status: 200 };
      const tries = all.filter((r) => r.body?.data?.name === 'flaky').length;
      return { status: tries <= 3 ? 500 : 200 };
    };
    try {
      const created = await kassa.http.post('/ledgers', { name: 'flaky' });
      await eventually(() => ledgerEvents(created.body.ledger_id).some((r) => r.answered === 200), 15_000, 'the 4th attempt');
      await settle(800);
      const attempts = ledgerEvents(created.body.ledger_id);
      assert.deepEqual(
        attempts.map((r) => r.answered),
        [500, 500, 500, 200],
      );
      assert.equal(new Set(attempts.map((r) => r.headers['x-blnk-delivery-id'])).size, 1, 'one stable delivery id');
      for (const attempt of attempts) assert.ok(verifies(attempt), 'every attempt is signed');
    } finally {
      receiver.respond = () => ({ status: 200 });
    }
  });

  test('a receiver that is down while events happen gets every event after it comes back', async () => {
    await receiver.stop();
    const ids: string[] = [];
    for (const name of ['down-1', 'down-2', 'down-3']) {
      ids.push((await kassa.http.post('/ledgers', { name })).body.ledger_id);
    }
    await settle(500);
    await receiver.start();
    await eventually(() => ids.every((id) => ledgerEvents(id).length > 0), 15_000, 'every event after the receiver is back');
    for (const id of ids) {
      assert.equal(ledgerEvents(id).filter((r) => r.answered === 200).length, 1, 'delivered once');
    }
  });
});

describe('webhooks without a secret', () => {
  const receiver = new Receiver();
  let kassa: TestKassa;
  before(async () => {
    await receiver.start();
    kassa = await startKassa({ env: { BLNK_WEBHOOK_URL: receiver.url, BLNK_SERVER_SECRET_KEY: '' } });
  });
  after(async () => {
    await kassa.close();
    await receiver.stop();
  });

  test('are sent unsigned: no X-Blnk-Signature and no X-Blnk-Timestamp', async () => {
    const created = await kassa.http.post('/ledgers', { name: 'unsigned' });
    const [request] = await eventually(() => {
      const found = receiver.where((b) => b.data?.ledger_id === created.body.ledger_id);
      return found.length > 0 && found;
    });
    assert.equal(request.headers['x-blnk-signature'], undefined);
    assert.equal(request.headers['x-blnk-timestamp'], undefined);
    assert.ok(request.headers['x-blnk-delivery-id']);
  });
});

function kassaCommand(env: Record<string, string>, args: string[]): string {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    env: { ...process.env, ...env, KASSA_LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

describe('dead letters', () => {
  const receiver = new Receiver();
  let kassa: TestKassa;
  const env = { BLNK_SERVER_SECRET_KEY: SECRET, KASSA_WEBHOOK_ATTEMPTS_MAX: '2', ...FAST_RETRIES };
  before(async () => {
    await receiver.start();
    receiver.respond = () => ({ status: 503 });
    kassa = await startKassa({ env: { ...env, BLNK_WEBHOOK_URL: receiver.url } });
  });
  after(async () => {
    await kassa.close();
    await receiver.stop();
  });

  test('after the last attempt an event is dead, listed by `kassa events dead`, and `events retry` delivers it', async () => {
    const created = await kassa.http.post('/ledgers', { name: 'doomed' });
    const attempts = () => receiver.where((b) => b.data?.ledger_id === created.body.ledger_id);
    await eventually(() => attempts().length >= 2, 15_000, 'two attempts');
    await settle(800);
    assert.equal(attempts().length, 2, 'no attempt beyond KASSA_WEBHOOK_ATTEMPTS_MAX');
    await kassa.stop();

    const dead = kassaCommand(kassa.database.env, ['events', 'dead'])
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const entry = dead.find((d) => d.target === 'ledger.created');
    assert.ok(entry, 'the dead event is listed');
    assert.equal(entry.kind, 'webhook');
    assert.equal(entry.attempts, 2);
    assert.equal(entry.last_error, 'HTTP 503');
    assert.equal(entry.id, attempts()[0].headers['x-blnk-delivery-id']);

    assert.match(kassaCommand(kassa.database.env, ['events', 'retry', entry.id]), /1 deliveries queued again/);
    receiver.respond = () => ({ status: 200 });
    const again = await startKassa({ database: kassa.database, env: { ...env, BLNK_WEBHOOK_URL: receiver.url } });
    try {
      await eventually(() => attempts().some((r) => r.answered === 200), 15_000, 'delivery after retry');
    } finally {
      await again.stop();
    }
  });
});
