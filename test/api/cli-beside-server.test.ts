// The `kassa` command while a server runs on the same data: with the embedded database the server
// holds the data folder, so the command goes through its admin socket; on PostgreSQL it opens the
// database itself. Either way the operator gets the same answers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { SECURE_ENV } from '../support/keys.js';
import { TEST_DATABASE_URL } from '../support/database.js';

/** Runs `kassa <args>` in a child process; asynchronously, for the server in this process must answer it. */
async function kassaCommand(env: Record<string, string>, args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    env: { ...process.env, ...env, KASSA_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { status, stdout, stderr };
}

/** `kassa keys create` for a read-only key. */
const keysCreate = (owner: string, name: string, expires: string) => [
  'keys',
  'create',
  '--owner',
  owner,
  '--name',
  name,
  '--scopes',
  'ledgers:read',
  '--expires',
  expires,
];

describe('the CLI beside a running server', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa({ env: SECURE_ENV });
  });
  after(() => kassa.close());

  test('kassa --version prints the package version', async () => {
    const run = await kassaCommand(kassa.database.env, ['--version']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  test('verify-chain prints the report; it exits 0 while the chain holds and 1 at a broken link', async () => {
    const holds = await kassaCommand(kassa.database.env, ['verify-chain']);
    assert.equal(holds.status, 0, holds.stderr);
    assert.equal(JSON.parse(holds.stdout).valid, true);
    // A link that does not hold, written as a tamperer would.
    const ledger = await kassa.http.post('/ledgers', { name: 'chain cli' }, { 'x-blnk-key': SECURE_ENV.BLNK_SERVER_SECRET_KEY });
    const id = (
      await kassa.http.post(
        '/balances',
        { ledger_id: ledger.body.ledger_id, currency: 'USD' },
        { 'x-blnk-key': SECURE_ENV.BLNK_SERVER_SECRET_KEY },
      )
    ).body.balance_id;
    const transfer = await kassa.http.post(
      '/transactions',
      {
        precise_amount: 1,
        currency: 'USD',
        reference: `cli-chain-${id}`,
        description: 'chain',
        source: '@World',
        destination: id,
        allow_overdraft: true,
        skip_queue: true,
      },
      { 'x-blnk-key': SECURE_ENV.BLNK_SERVER_SECRET_KEY },
    );
    assert.equal(transfer.status, 201, transfer.text);
    await kassa.server.db.transaction(async (tx) => {
      await tx.query('ALTER TABLE transactions DISABLE TRIGGER transactions_immutable');
      await tx.query("UPDATE transactions SET chain_seq = 1, chain_hash = 'forged' WHERE transaction_id = $1", [
        transfer.body.transaction_id,
      ]);
      await tx.query('ALTER TABLE transactions ENABLE TRIGGER transactions_immutable');
    });
    const broken = await kassaCommand(kassa.database.env, ['verify-chain']);
    assert.equal(broken.status, 1, broken.stderr);
    const report = JSON.parse(broken.stdout);
    assert.equal(report.valid, false);
    assert.equal(report.first_broken.transaction_id, transfer.body.transaction_id);
  });

  test('keys create works while the server runs, and the server accepts the key at once', async () => {
    const run = await kassaCommand(kassa.database.env, keysCreate('ops', 'beside', '2099-01-01T00:00:00Z'));
    assert.equal(run.status, 0, run.stderr);
    const created = JSON.parse(run.stdout);
    assert.equal(created.owner_id, 'ops');
    assert.equal((await kassa.http.get('/ledgers', { 'x-blnk-key': created.key })).status, 200);
  });

  test('a bad expiry is refused by the command, naming the option', async () => {
    const run = await kassaCommand(kassa.database.env, keysCreate('o', 'n', 'soon'));
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /--expires must be an RFC 3339 timestamp/);
  });

  test('events dead lists nothing, and events retry of an unknown id says so and exits non-zero', async () => {
    const dead = await kassaCommand(kassa.database.env, ['events', 'dead']);
    assert.equal(dead.status, 0, dead.stderr);
    assert.equal(dead.stdout, '');
    const retry = await kassaCommand(kassa.database.env, ['events', 'retry', 'evt_no_such_delivery']);
    assert.equal(retry.status, 1);
    assert.match(retry.stdout, /0 deliveries queued again/);
    assert.match(retry.stderr, /no dead delivery with id evt_no_such_delivery/);
  });

  test(
    'the admin socket of the embedded database is owner-only and refuses bad calls with 4xx',
    { skip: TEST_DATABASE_URL !== '' && 'PostgreSQL: no socket' },
    async () => {
      const socket = join(kassa.database.env.KASSA_DATA_DIR, 'admin.sock');
      assert.ok(statSync(socket).isSocket());
      assert.equal(statSync(socket).mode & 0o777, 0o600);
      const call = (method: string, path: string, body?: string) =>
        new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = request({ socketPath: socket, method, path }, (res) => {
            let text = '';
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          });
          req.on('error', reject);
          req.end(body);
        });
      assert.deepEqual(await call('POST', '/keys', '{not json'), { status: 400, text: '{"error":"the body is not JSON"}' });
      assert.equal((await call('POST', '/keys', '{"owner":"o"}')).status, 400);
      assert.equal((await call('GET', '/events/dead?limit=0')).status, 400);
      assert.equal((await call('DELETE', '/keys')).status, 404);
    },
  );
});

describe('the CLI after the server stopped', () => {
  test('keys create opens the database itself once the server is gone', async () => {
    const kassa = await startKassa();
    const socket = kassa.database.env.KASSA_DATA_DIR && join(kassa.database.env.KASSA_DATA_DIR, 'admin.sock');
    await kassa.stop();
    try {
      if (socket) assert.ok(!existsSync(socket), 'the socket is removed on stop');
      const run = await kassaCommand(kassa.database.env, keysCreate('ops', 'after', '2099-01-01T00:00:00Z'));
      assert.equal(run.status, 0, run.stderr);
      assert.equal(JSON.parse(run.stdout).name, 'after');
    } finally {
      await kassa.close();
    }
  });
});
