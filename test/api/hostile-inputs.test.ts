// The permanent hostile-input suite (issue 11): generated hostile bodies, ids, query strings and
// headers go to every registered route of a listening server. Each answer must be below 500, in
// Blnk's envelope with a catalogued code when it is an error, and free of internal text; afterwards
// the ledger's invariants hold (balances net and sum to zero per currency, every accepted queued
// transaction has one outcome). Bounded in `npm test`; `npm run fuzz` runs it longer (FUZZ_RUNS).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { routesOf } from '../../src/http/plugins/auth.js';
import { ERROR_STATUS } from '../../src/errors.js';
import { stringifyJson } from '../../src/json.js';
import { startKassa, type TestKassa } from '../support/kassa.js';
import { eventually, ledgerProblems } from '../support/invariants.js';
import { MASTER_KEY, SECURE_ENV } from '../support/keys.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const INTERNAL_TEXT =
  /FST_|statusCode|node_modules|\.ts:\d|at \w+ \(|SQLSTATE|syntax error|relation "|column "|violates|duplicate key|pglite|TypeError|RangeError/i;

/** Field names the routes read, so that generated bodies reach past the first check. */
const FIELDS = [
  'amount',
  'precise_amount',
  'precision',
  'currency',
  'reference',
  'description',
  'source',
  'destination',
  'sources',
  'destinations',
  'identifier',
  'distribution',
  'meta_data',
  'allow_overdraft',
  'inflight',
  'skip_queue',
  'atomic',
  'dry_run',
  'scheduled_for',
  'effective_date',
  'inflight_expiry_date',
  'overdraft_limit',
  'status',
  'transactions',
  'run_async',
  'filters',
  'field',
  'operator',
  'value',
  'values',
  'limit',
  'offset',
  'sort_by',
  'sort_order',
  'include_count',
  'logical_operator',
  'name',
  'ledger_id',
  'balance_id',
  'identity_id',
  'condition',
  'call_back_url',
  'url',
  'type',
  'active',
  'timeout',
  'retry_count',
  'owner',
  'scopes',
  'expires_at',
  'first_name',
  'email_address',
  'dob',
  'identity_type',
  'QUEUED_PARENT_TRANSACTION',
  'BLNK_GENERATED_BY',
];

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff x',
    '%',
    '%00',
    '%E0%A4%A',
    '\\',
    'abc\\',
    '%\\',
    "'; DROP TABLE balances; --",
    '1e999999',
    '-1e999999',
    '1e-999999',
    'NaN',
    'Infinity',
    '9'.repeat(60),
    '-0',
    '0x10',
    ' 12 ',
    '@World',
    '@',
    'txn_',
    'bln_',
    'ldg_',
    'bulk_x',
    '2024-13-45T99:99:99Z',
    '0001-01-01T00:00:00Z',
    'null',
    'true',
    '{}',
    '[]',
    'x'.repeat(2_000),
    '../../etc/passwd',
    'meta_data.a b',
    'meta_data.',
    'commit',
    'void',
    'USD',
  ),
);

const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(10n ** 50n), max: 10n ** 50n }),
  fc.constantFrom(0, -1, 1e300, -1e300, 5e-324, 2 ** 53, -(2 ** 53), 0.1, 1.5, 10n ** 39n, 10n ** 41n),
);

/** JSON values with hostile leaves, a few levels deep. */
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileText,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), hostileText), tie('value'), { maxKeys: 5 }),
  ),
})).value;

const hostileBody = fc.oneof(fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 8 }), hostileValue);

/** Raw texts that are not (good) JSON, or JSON past the bounds. */
const hostileRawBody = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom(
    '{"a":',
    '{"amount": 1e400}',
    '{"meta_data": {"n": 1e400}}',
    `{"precise_amount": ${'1'.repeat(500)}}`,
    '{"meta_data":' + '['.repeat(5_000) + ']'.repeat(5_000) + '}',
    '{"reference": "\\u0000"}',
    '{"x": "\\ud800"}',
    '\u0000',
    '[]',
    'null',
    '"text"',
    '{"a":"\\',
    '"\\',
    '{"__proto__": {"polluted": true}}',
    '{"constructor": {"prototype": {}}}',
  ),
);

/** Percent-encoding that also carries lone surrogates, as a client can send them (%ED%A0%80). */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text].map((c) => (/[\ud800-\udfff]/.test(c) ? '%ED%A0%80' : encodeURIComponent(c))).join('');
  }
}

function encodeQuery(entries: [string, string][]): string {
  return entries.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
}

/** A path segment: hostile text percent-encoded, or raw hostile %-sequences. */
function segment(text: string, raw: boolean): string {
  return raw ? text.replace(/[^\x21-\x7e]|[/?#]/g, '_') : encode(text);
}

interface Answer {
  status: number;
  text: string;
}

async function send(
  url: string,
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string>,
): Promise<Answer> {
  const response = await fetch(url + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: method === 'GET' || method === 'HEAD' ? undefined : body,
  });
  return { status: response.status, text: await response.text() };
}

const BACKUP_ROUTES: ReadonlySet<string> = new Set(['/backup', '/backup-s3']);

function checkAnswer(answer: Answer, what: string): void {
  assert.ok(answer.status < 500, `${what}: ${answer.status} ${answer.text.slice(0, 500)}`);
  assert.doesNotMatch(answer.text, INTERNAL_TEXT, `${what}: internal text in ${answer.text.slice(0, 500)}`);
  if (answer.status >= 400 && answer.text !== '') {
    const parsed = JSON.parse(answer.text) as { error_detail?: { code?: string } };
    const code = parsed.error_detail?.code;
    assert.ok(code !== undefined && code in ERROR_STATUS, `${what}: not in the envelope: ${answer.text.slice(0, 300)}`);
    assert.equal(ERROR_STATUS[code as keyof typeof ERROR_STATUS], answer.status, `${what}: ${code} with status ${answer.status}`);
  }
}

describe('hostile inputs on every route', () => {
  let kassa: TestKassa;
  let routes: { method: string; url: string }[];
  const ids: string[] = [];
  const accepted: { transaction_id: string; reference: string }[] = [];
  const statuses = new Map<string, number>();

  before(async () => {
    kassa = await startKassa();
    // The backup routes read no input (no parameters, no body) and run a whole dump per call; their
    // answers, failures included, are tested in test/api/backups.test.ts.
    routes = routesOf(kassa.server.app).filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && !BACKUP_ROUTES.has(r.url));
    const ledger = await kassa.http.post('/ledgers', { name: 'fuzz' });
    ids.push(ledger.body.ledger_id);
    for (let i = 0; i < 3; i++)
      ids.push((await kassa.http.post('/balances', { ledger_id: ledger.body.ledger_id, currency: 'USD' })).body.balance_id);
    const base = { currency: 'USD', description: 'fuzz seed', allow_overdraft: true, skip_queue: true };
    const applied = await kassa.http.post('/transactions', {
      ...base,
      reference: 'fuzz-seed-1',
      precise_amount: 500,
      source: ids[1],
      destination: ids[2],
    });
    const hold = await kassa.http.post('/transactions', {
      ...base,
      reference: 'fuzz-seed-2',
      precise_amount: 300,
      source: ids[2],
      destination: ids[3],
      inflight: true,
    });
    ids.push(applied.body.transaction_id, hold.body.transaction_id, 'fuzz-seed-1');
  });
  after(() => kassa.close());

  // Bodies one field away from valid reach past the first checks into the engine.
  const nearValid = fc
    .tuple(fc.uuid(), fc.constantFrom(...FIELDS), hostileValue, fc.boolean(), fc.boolean())
    .map(([id, field, value, skip_queue, inflight]) => ({
      currency: 'USD',
      reference: `fz-${id}`,
      description: 'fuzz',
      precise_amount: 7,
      source: ids[1],
      destination: ids[2],
      allow_overdraft: true,
      skip_queue,
      inflight,
      [field]: value,
    }));
  const nearValidBody = fc.oneof(
    nearValid,
    fc.array(nearValid, { minLength: 1, maxLength: 3 }).map((transactions) => ({ transactions })),
    fc.tuple(fc.constantFrom('commit', 'void'), hostileValue).map(([status, precise_amount]) => ({ status, precise_amount })),
    fc.tuple(fc.constantFrom(...FIELDS), hostileValue).map(([field, value]) => ({ filters: [{ field, operator: 'eq', value }] })),
  );

  /** Remembers queued creates the fuzz got accepted, for the outcome invariant. */
  const note = (method: string, path: string, answer: Answer) => {
    if (method !== 'POST' || !path.startsWith('/transactions') || answer.status !== 201) return;
    const body = JSON.parse(answer.text);
    if (body.status === 'QUEUED' || body.status === 'SCHEDULED')
      accepted.push({ transaction_id: body.transaction_id, reference: body.reference });
  };

  test('generated bodies, ids and query strings: below 500, in the envelope, no internal text', async () => {
    const request = fc.record({
      route: fc.nat(),
      params: fc.array(
        fc.oneof(
          fc.nat({ max: 6 }).map((i) => ({ id: i })),
          fc.record({ text: hostileText, raw: fc.boolean() }),
        ),
        { minLength: 3, maxLength: 3 },
      ),
      query: fc.array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom(...FIELDS),
            fc.constantFrom('amount_gt', 'reference_like', 'meta_data.a_eq', 'created_at_lt'),
            hostileText,
          ),
          hostileText,
        ),
        { maxLength: 3 },
      ),
      body: fc.oneof(
        hostileBody.map((b) => stringifyJson(b)),
        nearValidBody.map((b) => stringifyJson(b)),
        hostileRawBody,
        fc.constant(undefined),
      ),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ route: r, params, query, body }) => {
        const route = routes[r % routes.length];
        let n = 0;
        const path = route.url.replace(/:[^/]+|\*/g, () => {
          const p = params[n++ % params.length];
          return 'id' in p ? encodeURIComponent(ids[p.id % ids.length]) : segment(p.text, p.raw);
        });
        const qs = query.length > 0 ? `?${encodeQuery(query)}` : '';
        const answer = await send(kassa.url, route.method, path + qs, body, {});
        checkAnswer(answer, `${route.method} ${path}${qs} ${String(body).slice(0, 200)}`);
        note(route.method, path, answer);
        const key = `${route.method} ${route.url} ${answer.status}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }),
      { numRuns: RUNS },
    );
  });

  test('money routes with bodies one field away from valid: below 500, in the envelope', async () => {
    const money = fc.oneof(
      nearValid.map((body) => ({ method: 'POST', path: '/transactions', body })),
      fc.array(nearValid, { minLength: 1, maxLength: 3 }).chain((transactions) =>
        fc.record({ atomic: fc.boolean(), skip_queue: fc.boolean(), run_async: fc.boolean() }).map((flags) => ({
          method: 'POST',
          path: '/transactions/bulk',
          body: { ...flags, transactions } as Record<string, unknown>,
        })),
      ),
      fc
        .tuple(fc.nat({ max: 6 }), fc.constantFrom('commit', 'void'), hostileValue, fc.boolean())
        .map(([i, status, precise_amount, skip_queue]) => ({
          method: 'PUT',
          path: `/transactions/inflight/${ids[i % ids.length]}`,
          body: { status, precise_amount, skip_queue } as Record<string, unknown>,
        })),
      fc.tuple(fc.nat({ max: 6 }), fc.constantFrom(...FIELDS), hostileValue).map(([i, field, value]) => ({
        method: 'POST',
        path: `/refund-transaction/${ids[i % ids.length]}`,
        body: { skip_queue: true, [field]: value } as Record<string, unknown>,
      })),
    );
    await fc.assert(
      fc.asyncProperty(money, async ({ method, path, body }) => {
        const answer = await send(kassa.url, method, path, stringifyJson(body), {});
        checkAnswer(answer, `${method} ${path} ${stringifyJson(body).slice(0, 300)}`);
        note(method, path, answer);
        const key = `${method} ${path.split('/').slice(0, 2).join('/')} ${answer.status}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }),
      { numRuns: RUNS },
    );
    // `npm run fuzz` prints what the generated traffic reached: route and status, by count.
    if (process.env.FUZZ_STATS)
      console.log(
        [...statuses]
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${n}\t${k}`)
          .join('\n'),
      );
  });

  test('the ledger invariants hold after the hostile traffic', async () => {
    const problems = await eventually(
      async () => {
        const found = await ledgerProblems(kassa.http, accepted);
        return found.length === 0 ? found : undefined;
      },
      { timeout_ms: 30_000, interval_ms: 250 },
    ).catch(() => ledgerProblems(kassa.http, accepted));
    assert.deepEqual(problems, []);
  });
});

describe('hostile headers in secure mode', () => {
  let kassa: TestKassa;
  before(async () => {
    kassa = await startKassa({ env: SECURE_ENV });
  });
  after(() => kassa.close());

  test('generated keys, content types and methods: below 500, in the envelope', async () => {
    const header = fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(header, fc.constant(MASTER_KEY), fc.constant(MASTER_KEY + ' ')),
        fc.oneof(header, fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', '')),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        fc.constantFrom(
          '/ledgers',
          '/balances',
          '/transactions',
          '/api-keys',
          '/hooks',
          '/transactions/filter',
          '/x/metadata',
          '/nope',
        ),
        hostileRawBody,
        async (key, type, method, path, body) => {
          const headers: Record<string, string> = { 'content-type': type };
          if (key !== '') headers['x-blnk-key'] = key;
          const answer = await send(kassa.url, method, path, body, headers);
          checkAnswer(answer, `${method} ${path} key=${JSON.stringify(key)} type=${JSON.stringify(type)}`);
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});
