// The reference page at /docs, opened in a real headless browser (Debian's chromium, driven by
// playwright-core): it lists the routes, and its "Try it out" reaches this server. `.ci/run` installs
// chromium; elsewhere the test is skipped when no browser is installed (KASSA_CHROMIUM_PATH names one).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser } from 'playwright-core';
import { startKassa, type TestKassa } from '../support/kassa.js';

const CANDIDATES = [process.env.KASSA_CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
const browserPath = CANDIDATES.find((path): path is string => !!path && existsSync(path));
const PAGE_TIMEOUT_MS = 30_000;

describe(
  'the API reference page',
  { skip: !browserPath && !process.env.CI ? 'no chromium installed (CI installs it)' : false },
  () => {
    let kassa: TestKassa;
    let browser: Browser;
    before(async () => {
      assert.ok(browserPath, 'chromium is installed (apt-get install chromium)');
      kassa = await startKassa();
      browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    });
    after(async () => {
      await browser?.close();
      await kassa?.close();
    });

    test('lists the routes, and "Try it out" on GET /ledgers answers from this server', async () => {
      const name = `docs-${randomUUID()}`;
      assert.equal((await kassa.http.post('/ledgers', { name })).status, 201);
      const page = await browser.newPage();
      page.setDefaultTimeout(PAGE_TIMEOUT_MS);
      const failures: string[] = [];
      page.on('pageerror', (error) => failures.push(error.message));
      page.on('requestfailed', (request) => failures.push(`${request.url()}: ${request.failure()?.errorText}`));
      await page.goto(`${kassa.url}/docs`);
      await page.locator('.opblock').first().waitFor();
      const paths = await page.locator('.opblock-summary-path').allTextContents();
      const shown = new Set(paths.map((path) => path.replace(/\u200b/g, '').trim()));
      for (const path of ['/ledgers', '/transactions', '/balances/{id}', '/transactions/inflight/{id}', '/identities']) {
        assert.ok(shown.has(path), `the page lists ${path} (${shown.size} shown)`);
      }

      const operation = page.locator('.opblock-get').filter({ has: page.locator('.opblock-summary-path[data-path="/ledgers"]') });
      await operation.locator('.opblock-summary').click();
      // The page opens operations with "Try it out" already on (uiConfig.tryItOutEnabled).
      await operation.locator('.execute').click();
      const status = operation.locator('.live-responses-table tr.response .response-col_status').first();
      await status.waitFor();
      assert.equal((await status.textContent())?.trim(), '200');
      const body = await operation
        .locator('.live-responses-table tr.response .response-col_description pre')
        .first()
        .textContent();
      assert.ok(body?.includes(name), 'the answer holds the ledger created before');
      assert.deepEqual(failures, []);
    });
  },
);
