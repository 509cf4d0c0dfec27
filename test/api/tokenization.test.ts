// Identity PII tokenization over HTTP (blnk-contract.md platform §5.3, behaviours 42-48), through the Blnk
// SDK too. Tokens are checked with an independent implementation of Blnk's algorithm.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { BlnkInit } from '@blnkfinance/blnk-typescript';
import { openDatabase } from '../../src/db/open.js';
import { createTestDatabase } from '../support/database.js';
import { spawnKassa, startKassa, type TestKassa } from '../support/kassa.js';

const SECRET = 'tokenization-secret-of-32-bytes!';

function visible(value: string): string {
  const seed = createHmac('sha256', SECRET).update(value).digest();
  return [...value]
    .map((c, i) => {
      const b = seed[i % 32];
      if (/[A-Z]/.test(c)) return String.fromCharCode(65 + (b % 26));
      if (/[a-z]/.test(c)) return String.fromCharCode(97 + (b % 26));
      if (/[0-9]/.test(c)) return String.fromCharCode(48 + (b % 10));
      return c;
    })
    .join('');
}

function openToken(token: string): string {
  const data = Buffer.from(token.split(':')[2], 'base64');
  const decipher = createDecipheriv('aes-256-gcm', SECRET, data.subarray(0, 12));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]).toString();
}

function blnkToken(value: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', SECRET, nonce);
  const sealed = Buffer.concat([nonce, cipher.update(value), cipher.final(), cipher.getAuthTag()]);
  return `FPT:${visible(value)}:${sealed.toString('base64')}`;
}

describe('identity tokenization', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa({ env: { BLNK_TOKENIZATION_SECRET: SECRET } });
  });
  after(() => kassa.close());

  async function identity(fields: Record<string, unknown> = {}): Promise<string> {
    const created = await kassa.http.post('/identities', {
      first_name: 'Ada',
      last_name: 'Lovelace',
      email_address: 'ada@x.io',
      street: '12 St James Square',
      ...fields,
    });
    assert.equal(created.status, 201);
    return created.body.identity_id;
  }

  test('tokenize a field: the column holds an FPT token Blnk can open, flagged in meta_data (42)', async () => {
    const id = await identity({ meta_data: { tier: 'gold' } });
    const tokenized = await kassa.http.post(`/identities/${id}/tokenize/emailAddress`);
    assert.equal(tokenized.status, 200);
    assert.deepEqual(tokenized.body, { message: 'Field tokenized successfully' });
    const read = await kassa.http.get(`/identities/${id}`);
    const token: string = read.body.email_address;
    assert.ok(token.startsWith(`FPT:${visible('ada@x.io')}:`), token);
    const shown = token.split(':')[1];
    assert.equal(shown.length, 'ada@x.io'.length);
    assert.equal(shown.indexOf('@'), 3);
    assert.equal(shown.indexOf('.'), 5);
    assert.equal(openToken(token), 'ada@x.io');
    assert.deepEqual(read.body.meta_data, { tier: 'gold', tokenized_fields: { EmailAddress: true } });
    assert.equal(read.body.first_name, 'Ada', 'other fields untouched');
    const listed = await kassa.http.get(`/identities/${id}/tokenized-fields`);
    assert.deepEqual(listed.body, { tokenized_fields: ['EmailAddress'] });
  });

  test('checks in Blnk order: not tokenizable, missing identity, already tokenized (43, 44)', async () => {
    const id = await identity();
    for (const field of ['category', 'first_name', 'identity_id', 'Dob']) {
      const refused = await kassa.http.post(`/identities/${id}/tokenize/${field}`);
      assert.equal(refused.status, 400, field);
      assert.equal(refused.body.error_detail.code, 'IDT_FIELD_NOT_TOKENIZABLE');
      assert.equal(refused.body.error, `field ${field} is not tokenizable`);
    }
    // the field check comes before the lookup
    const missing = 'idt_00000000-0000-4000-8000-000000000000';
    assert.equal((await kassa.http.post(`/identities/${missing}/tokenize/category`)).status, 400);
    const notFound = await kassa.http.post(`/identities/${missing}/tokenize/firstName`);
    assert.equal(notFound.status, 404);
    assert.equal(notFound.body.error_detail.code, 'IDT_NOT_FOUND');

    assert.equal((await kassa.http.post(`/identities/${id}/tokenize/FirstName`)).status, 200);
    const again = await kassa.http.post(`/identities/${id}/tokenize/firstName`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error_detail.code, 'IDT_FIELD_ALREADY_TOKENIZED');
  });

  test('detokenize one field, some fields, and every field (45, 46)', async () => {
    const id = await identity();
    assert.equal((await kassa.http.post(`/identities/${id}/tokenize`, { fields: ['firstName', 'lastName'] })).status, 200);
    const one = await kassa.http.get(`/identities/${id}/detokenize/firstName`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, { field: 'firstName', value: 'Ada' });
    const some = await kassa.http.post(`/identities/${id}/detokenize`, { fields: ['lastName'] });
    assert.deepEqual(some.body, { fields: { lastName: 'Lovelace' } });
    const all = await kassa.http.post(`/identities/${id}/detokenize`, { fields: [] });
    assert.deepEqual(all.body, { fields: { FirstName: 'Ada', LastName: 'Lovelace' } });

    const untokenized = await kassa.http.get(`/identities/${id}/detokenize/street`);
    assert.equal(untokenized.status, 400);
    assert.equal(untokenized.body.error_detail.code, 'IDT_FIELD_NOT_TOKENIZED');
    const batch = await kassa.http.post(`/identities/${id}/detokenize`, { fields: ['firstName', 'street'] });
    assert.equal(batch.status, 400);
    assert.equal(batch.body.error_detail.code, 'IDT_FIELD_NOT_TOKENIZED');
    assert.equal(JSON.stringify(batch.body).includes('Ada'), false, 'no plaintext in an error');
  });

  test('equal values have equal visible parts and different ciphertexts (48)', async () => {
    const [a, b] = [await identity({ first_name: 'Grace' }), await identity({ first_name: 'Grace' })];
    for (const id of [a, b]) assert.equal((await kassa.http.post(`/identities/${id}/tokenize/firstName`)).status, 200);
    const [ta, tb] = await Promise.all([a, b].map(async (id) => (await kassa.http.get(`/identities/${id}`)).body.first_name));
    assert.equal(ta.split(':')[1], tb.split(':')[1]);
    assert.notEqual(ta.split(':')[2], tb.split(':')[2]);
  });

  test('batch tokenize: all or none, and its body is checked', async () => {
    const id = await identity();
    const failing = await kassa.http.post(`/identities/${id}/tokenize`, { fields: ['firstName', 'category'] });
    assert.equal(failing.status, 400);
    assert.equal(failing.body.error_detail.code, 'IDT_FIELD_NOT_TOKENIZABLE');
    const read = await kassa.http.get(`/identities/${id}`);
    assert.equal(read.body.first_name, 'Ada', 'the earlier field stays as it was');
    assert.equal(read.body.meta_data, null);

    const twice = await kassa.http.post(`/identities/${id}/tokenize`, { fields: ['street', 'Street'] });
    assert.equal(twice.status, 409);
    assert.equal((await kassa.http.get(`/identities/${id}`)).body.street, '12 St James Square');

    const empty = await kassa.http.post(`/identities/${id}/tokenize`, { fields: [] });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error_detail.code, 'GEN_VALIDATION_ERROR');
    assert.equal(empty.body.error, 'at least one field must be specified');
    for (const body of [{}, { fields: 'firstName' }, { fields: [1] }, { fields: null }]) {
      for (const route of ['tokenize', 'detokenize']) {
        const bad = await kassa.http.post(`/identities/${id}/${route}`, body);
        assert.equal(bad.status, 400, `${route} ${JSON.stringify(body)}`);
        assert.equal(bad.body.error_detail.code, 'GEN_MALFORMED_REQUEST');
        assert.match(bad.body.error, /fields/);
      }
    }
  });

  test('concurrent tokenizations of one field tokenize it once', async () => {
    const id = await identity();
    const answers = await Promise.all(Array.from({ length: 8 }, () => kassa.http.post(`/identities/${id}/tokenize/phoneNumber`)));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409, 409, 409, 409, 409, 409, 409]);
    assert.equal((await kassa.http.get(`/identities/${id}/detokenize/phoneNumber`)).body.value, '');
  });

  test('which fields hold tokens is the server’s record, not the client’s meta_data', async () => {
    const id = await identity({ meta_data: { tokenized_fields: { FirstName: true }, kept: 1 } });
    const read = await kassa.http.get(`/identities/${id}`);
    assert.deepEqual(read.body.meta_data, { kept: 1 });
    assert.equal((await kassa.http.get(`/identities/${id}/detokenize/firstName`)).status, 400);

    // a PUT of the meta_data read back keeps the server's record; a PUT of a field replaces its token
    assert.equal((await kassa.http.post(`/identities/${id}/tokenize/lastName`)).status, 200);
    const tokenized = (await kassa.http.get(`/identities/${id}`)).body;
    assert.equal((await kassa.http.put(`/identities/${id}`, { meta_data: { ...tokenized.meta_data, more: 2 } })).status, 200);
    assert.deepEqual((await kassa.http.get(`/identities/${id}/tokenized-fields`)).body.tokenized_fields, ['LastName']);
    assert.equal((await kassa.http.put(`/identities/${id}`, { meta_data: {} })).status, 200);
    assert.equal((await kassa.http.get(`/identities/${id}/detokenize/lastName`)).body.value, 'Lovelace');
    assert.equal((await kassa.http.put(`/identities/${id}`, { last_name: 'Byron' })).status, 200);
    const replaced = await kassa.http.get(`/identities/${id}`);
    assert.equal(replaced.body.last_name, 'Byron');
    assert.deepEqual((await kassa.http.get(`/identities/${id}/tokenized-fields`)).body.tokenized_fields, []);
    assert.equal((await kassa.http.post(`/identities/${id}/tokenize/lastName`)).status, 200);
    assert.equal((await kassa.http.get(`/identities/${id}/detokenize/lastName`)).body.value, 'Byron');
  });

  test('a token Blnk made with the same secret detokenizes; a token no secret opens is a 400', async () => {
    const id = await identity();
    const other = await identity();
    await kassa.stop();
    const db = await openDatabase({
      url: kassa.database.env.BLNK_DATA_SOURCE_DNS,
      data_dir: kassa.database.env.KASSA_DATA_DIR ?? '',
      max_connections: 1,
    });
    try {
      await db.query("UPDATE identities SET first_name = $2, tokenized_fields = '{FirstName}' WHERE identity_id = $1", [
        id,
        blnkToken('Ada'),
      ]);
      await db.query(
        "UPDATE identities SET first_name = 'FPT:Xyz:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', tokenized_fields = '{FirstName}' WHERE identity_id = $1",
        [other],
      );
    } finally {
      await db.close();
    }
    kassa = await startKassa({ database: kassa.database, env: { BLNK_TOKENIZATION_SECRET: SECRET } });
    assert.deepEqual((await kassa.http.get(`/identities/${id}/detokenize/firstName`)).body, { field: 'firstName', value: 'Ada' });
    const broken = await kassa.http.get(`/identities/${other}/detokenize/firstName`);
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error_detail.code, 'IDT_VALIDATION_ERROR');
  });

  test('the Blnk SDK identity tokenization methods work unchanged', async () => {
    const blnk = await BlnkInit('', {
      baseUrl: kassa.url,
      timeout: 60_000,
      logger: { info() {}, error() {}, debug() {} } as never,
    });
    const id = await identity({ phone_number: '+44 20 7946 0958' });
    assert.equal((await blnk.Identity.tokenizeField(id, 'PhoneNumber')).status, 200);
    assert.equal((await blnk.Identity.tokenize(id, { fields: ['FirstName', 'PostCode'] })).status, 200);
    const fields = await blnk.Identity.getTokenizedFields(id);
    assert.deepEqual([...(fields.data as { tokenized_fields: string[] }).tokenized_fields].sort(), [
      'FirstName',
      'PhoneNumber',
      'PostCode',
    ]);
    assert.deepEqual((await blnk.Identity.detokenizeField(id, 'PhoneNumber')).data, {
      field: 'PhoneNumber',
      value: '+44 20 7946 0958',
    });
    const all = await blnk.Identity.detokenize(id, { fields: ['FirstName'] });
    assert.deepEqual(all.data, { fields: { FirstName: 'Ada' } });
  });
});

describe('identity tokenization disabled', () => {
  let kassa: TestKassa;
  let tokenized: string;
  before(async () => {
    // a field tokenized while the secret was set, then a restart with a secret of the wrong length
    const first = await startKassa({ env: { BLNK_TOKENIZATION_SECRET: SECRET } });
    tokenized = (await first.http.post('/identities', { first_name: 'Ada' })).body.identity_id;
    assert.equal((await first.http.post(`/identities/${tokenized}/tokenize/firstName`)).status, 200);
    await first.stop();
    kassa = await startKassa({ database: first.database, env: { BLNK_TOKENIZATION_SECRET: 'only-31-bytes-long-secret-value' } });
  });
  after(async () => {
    await kassa.stop();
    await kassa.database.drop();
  });

  test('tokenize and detokenize answer 403 IDT_TOKENIZATION_DISABLED after the other checks (47)', async () => {
    const id = (await kassa.http.post('/identities', { first_name: 'Ada' })).body.identity_id;
    const tokenize = await kassa.http.post(`/identities/${id}/tokenize/firstName`);
    assert.equal(tokenize.status, 403);
    assert.equal(tokenize.body.error_detail.code, 'IDT_TOKENIZATION_DISABLED');
    assert.equal((await kassa.http.get(`/identities/${id}`)).body.first_name, 'Ada');
    assert.equal((await kassa.http.post(`/identities/${id}/tokenize/category`)).status, 400);
    assert.equal((await kassa.http.post(`/identities/${tokenized}/tokenize/firstName`)).status, 409);
    assert.equal((await kassa.http.get(`/identities/${id}/detokenize/firstName`)).status, 400, 'not tokenized comes first');
    // Blnk answers a sanitized 500 here
    const detokenize = await kassa.http.get(`/identities/${tokenized}/detokenize/firstName`);
    assert.equal(detokenize.status, 403);
    assert.equal(detokenize.body.error_detail.code, 'IDT_TOKENIZATION_DISABLED');
  });
});

describe('identity tokenization leaves no plaintext behind', () => {
  test('the process log and the metrics never carry a value that was tokenized or detokenized', async () => {
    const database = await createTestDatabase();
    const kassa = await spawnKassa(database, {
      env: { BLNK_TOKENIZATION_SECRET: SECRET, BLNK_ENABLE_OBSERVABILITY: 'true' },
    });
    try {
      const secretValue = 'Quixotic-Plaintext-4711';
      const id = (await kassa.http.post('/identities', { first_name: secretValue, street: secretValue })).body.identity_id;
      assert.equal((await kassa.http.post(`/identities/${id}/tokenize`, { fields: ['firstName', 'street'] })).status, 200);
      assert.equal((await kassa.http.get(`/identities/${id}/detokenize/firstName`)).body.value, secretValue);
      assert.equal((await kassa.http.post(`/identities/${id}/detokenize`, { fields: [] })).status, 200);
      assert.equal((await kassa.http.post(`/identities/${id}/tokenize/firstName`)).status, 409);
      assert.equal((await kassa.http.get(`/identities/${id}/detokenize/lastName`)).status, 400);
      const metrics = await kassa.http.get('/metrics');
      assert.equal(metrics.status, 200);
      assert.equal(metrics.text.includes(secretValue), false, 'metrics');
      assert.match(kassa.output(), /detokenize/, 'the requests were logged');
      assert.equal(kassa.output().includes(secretValue), false, 'log');
      assert.equal(kassa.output().includes(SECRET), false, 'log holds the secret');
    } finally {
      await kassa.stop();
      await database.drop();
    }
  });
});
