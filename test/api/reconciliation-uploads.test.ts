// Reconciliation uploads by URL and the size cap (blnk-contract.md platform §10.1, blnk-contract.md auth §9.8; behaviour
// 68), against a real HTTP server: the whitelist on every redirect, Blnk's user agent, the timeout,
// the file name from the path, and 413 past max_upload_size_mb.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { Receiver } from '../support/receiver.js';
import { csv, uploadFile } from '../support/uploads.js';

describe('reconciliation uploads by URL and size', () => {
  let kassa: TestKassa;
  const files = new Receiver();
  const tag = `ru${Date.now().toString(36)}`;
  const statement = (id: string) => csv([[id, '10.00', 'USD', 'REF', 'line', '2024-01-31T09:30:00Z']]);

  before(async () => {
    await files.start();
    files.respond = (request) => {
      const path = request.path;
      if (path.startsWith('/files/')) return { status: 200, body: statement(`${tag}-${path.split('/').pop()}`) };
      if (path === '/json-named-data')
        return {
          status: 200,
          body: `[{"id":"${tag}-json","amount":5,"currency":"USD","reference":"R","description":"d","date":"2024-01-31T09:30:00Z"}]`,
        };
      if (path === '/hop') return { status: 302, headers: { location: '/files/after-hop' } };
      if (path === '/away')
        return { status: 302, headers: { location: `http://localhost:${new URL(files.url).port}/files/away` } };
      if (path === '/slow') return { status: 200, body: statement(`${tag}-slow`), delay_ms: 3_000 };
      if (path === '/big') return { status: 200, body: 'x'.repeat(1024 * 1024 + 10) };
      return { status: 404 };
    };
    kassa = await startKassa({
      env: { BLNK_UPLOAD_DOMAIN_WHITELIST: '127.0.0.1', BLNK_SERVER_MAX_UPLOAD_SIZE_MB: '1', BLNK_UPLOAD_URL_TIMEOUT_SEC: '1' },
    });
  });
  after(async () => {
    await kassa.close();
    await files.stop();
  });

  const origin = () => new URL(files.url).origin;
  const fromUrl = (url: string, source = 'bank') => kassa.http.post('/reconciliation/upload', { url, source });

  test('a whitelisted URL is fetched with Blnk user agent, by JSON body or multipart field', async () => {
    let res = await fromUrl(`${origin()}/files/one.csv`, 'sftp-drop');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.record_count, 1);
    assert.equal(res.body.source, 'sftp-drop');
    const fetched = files.requests.find((r) => r.path === '/files/one.csv');
    assert.equal(fetched?.headers['user-agent'], 'blnk-reconciliation/1.0');

    const form = new FormData();
    form.append('url', `${origin()}/files/two.csv`);
    form.append('source', 'bank');
    const answer = await fetch(`${kassa.url}/reconciliation/upload`, { method: 'POST', body: form });
    assert.equal(answer.status, 200, await answer.clone().text());
    assert.equal(((await answer.json()) as { record_count: number }).record_count, 1);

    // A file and a URL: the file wins (the URL, a 404 here, is not fetched).
    const both = await uploadFile(kassa.http, statement(`${tag}-both`), 'both.csv', {
      source: 'bank',
      url: `${origin()}/missing-both.csv`,
    });
    assert.equal(both.status, 200, both.text);
    assert.ok(!files.requests.some((r) => r.path === '/missing-both.csv'));

    // No extension in the name: the content says JSON.
    res = await fromUrl(`${origin()}/json-named-data`);
    assert.equal(res.status, 200, res.text);
  });

  test('a redirect is followed only to a whitelisted host', async () => {
    let res = await fromUrl(`${origin()}/hop`);
    assert.equal(res.status, 200, res.text);
    res = await fromUrl(`${origin()}/away`);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error_detail.code, 'RECON_UPLOAD_HOST_NOT_ALLOWED');
    assert.ok(!files.requests.some((r) => r.path === '/files/away'), 'the disallowed host was fetched');
    res = await fromUrl(`http://localhost:${new URL(files.url).port}/files/direct.csv`);
    assert.equal(res.body.error_detail.code, 'RECON_UPLOAD_HOST_NOT_ALLOWED');
  });

  test('a failing download is 400 RECON_UPLOAD_FAILED: a 404, a timeout, a refused connection', async () => {
    for (const url of [`${origin()}/missing.csv`, `${origin()}/slow`, 'http://127.0.0.1:1/x.csv']) {
      const res = await fromUrl(url);
      assert.equal(res.status, 400, `${url}: ${res.text}`);
      assert.equal(res.body.error_detail.code, 'RECON_UPLOAD_FAILED');
    }
  });

  test('over max_upload_size_mb: 413 GEN_PAYLOAD_TOO_LARGE, by multipart or by URL (behaviour 68)', async () => {
    const res = await uploadFile(kassa.http, 'A'.repeat(2 * 1024 * 1024), 'big.csv');
    assert.equal(res.status, 413, res.text);
    assert.equal(res.body.error_detail.code, 'GEN_PAYLOAD_TOO_LARGE');
    assert.equal(res.body.error_detail.message, 'upload exceeds the maximum allowed size');
    const byUrl = await fromUrl(`${origin()}/big`);
    assert.equal(byUrl.status, 413, byUrl.text);
    // The server is fine afterwards.
    const ok = await uploadFile(kassa.http, statement(`${tag}-after-big`), 'a.csv');
    assert.equal(ok.status, 200, ok.text);
  });
});
