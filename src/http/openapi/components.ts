// The shapes of Kassa's answers and bodies, for the OpenAPI description (components.schemas). They
// describe; they never validate (validation keeps Blnk's own messages, see docs/design.md). Money is
// an integer of any size: no format, no bounds, because JSON numbers carry it exactly.

export type JsonSchema = Record<string, unknown>;

export const ref = (name: ComponentName): JsonSchema => ({ $ref: `${name}#` });

const string = (description?: string): JsonSchema => ({ type: 'string', ...(description && { description }) });
const boolean = (description?: string): JsonSchema => ({ type: 'boolean', ...(description && { description }) });
const time = (description = 'RFC 3339 time'): JsonSchema => ({ type: 'string', format: 'date-time', description });
/** Minor units: an integer of any size, printed as a bare JSON number. */
export const money = (description = 'minor units, an integer of any size'): JsonSchema => ({ type: 'integer', description });
const metaData: JsonSchema = { type: ['object', 'null'], additionalProperties: true, description: 'free-form metadata' };

const object = (properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties)): JsonSchema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: true,
});

const ledger = object({
  ledger_id: string('ldg_ followed by a UUID'),
  name: string(),
  created_at: time(),
  meta_data: metaData,
});

const balance = object(
  {
    balance_id: string('bln_ followed by a UUID'),
    ledger_id: string(),
    identity_id: string('empty when none'),
    indicator: string('present only on balances created with one'),
    currency: string(),
    balance: money('credit_balance - debit_balance'),
    credit_balance: money(),
    debit_balance: money(),
    inflight_balance: money('inflight_credit_balance - inflight_debit_balance'),
    inflight_credit_balance: money(),
    inflight_debit_balance: money(),
    version: { type: 'integer' },
    created_at: time(),
    inflight_expires_at: time(),
    meta_data: metaData,
    track_fund_lineage: boolean(),
    allocation_strategy: string('FIFO, LIFO or PROPORTIONAL'),
  },
  [
    'balance_id',
    'ledger_id',
    'currency',
    'balance',
    'credit_balance',
    'debit_balance',
    'inflight_balance',
    'version',
    'created_at',
  ],
);

const distribution = object(
  {
    identifier: string('a balance id or an @indicator'),
    distribution: string('a share: "20%", a fixed amount, or "left"'),
    narration: string(),
    transaction_id: string("the id of this entry's leg (answers only)"),
  },
  ['identifier', 'distribution'],
);

const transactionFields: Record<string, JsonSchema> = {
  transaction_id: string('txn_ followed by a UUID'),
  parent_transaction: string('the row this one belongs to; empty for a request row'),
  amount: { type: 'number', description: 'precise_amount / precision, printed exactly' },
  amount_string: string('the same amount as text'),
  precise_amount: money(),
  precision: { type: 'integer', description: 'minor units per major unit (100 for cents)' },
  currency: string(),
  source: string('balance id'),
  destination: string('balance id'),
  reference: string('unique across the ledger'),
  description: string(),
  status: { type: 'string', enum: ['QUEUED', 'SCHEDULED', 'APPLIED', 'INFLIGHT', 'VOID', 'REJECTED', 'COMMIT'] },
  hash: string(),
  allow_overdraft: boolean(),
  inflight: boolean(),
  atomic: boolean(),
  created_at: time(),
  effective_date: time(),
  scheduled_for: time(),
  inflight_expiry_date: time(),
  inflight_commit_date: time(),
  meta_data: metaData,
  sources: { type: 'array', items: ref('Distribution') },
  destinations: { type: 'array', items: ref('Distribution') },
};

const transaction = object(transactionFields, [
  'transaction_id',
  'amount',
  'precise_amount',
  'precision',
  'currency',
  'reference',
  'status',
  'created_at',
]);

const transactionRequest = object(
  {
    amount: { type: 'number', description: 'major units; converted with precision, exactly' },
    precise_amount: money('minor units; wins over amount'),
    precision: { type: 'integer' },
    currency: string(),
    reference: string(),
    description: string(),
    source: string('balance id or @indicator'),
    destination: string('balance id or @indicator'),
    sources: { type: 'array', items: ref('Distribution') },
    destinations: { type: 'array', items: ref('Distribution') },
    allow_overdraft: boolean(),
    overdraft_limit: { type: 'number' },
    inflight: boolean(),
    skip_queue: boolean('apply inside the request instead of queueing'),
    atomic: boolean('split legs apply all or none'),
    dry_run: boolean('answer what would happen, change nothing'),
    scheduled_for: time(),
    effective_date: time(),
    inflight_expiry_date: time(),
    meta_data: metaData,
    expected_versions: {
      type: 'object',
      additionalProperties: { type: 'integer', minimum: 0 },
      description:
        "Kassa's own: balance id -> the version it must be at when the transaction posts (else 409 TXN_VERSION_MISMATCH, or a REJECTED outcome when queued)",
    },
    balance_bounds: {
      type: 'object',
      additionalProperties: { type: 'object', properties: { min: money(), max: money() } },
      description:
        "Kassa's own: balance id -> the range (inclusive, minor units) its balance must be in after posting (else 409 TXN_BALANCE_OUT_OF_BOUNDS, or a REJECTED outcome when queued)",
    },
  },
  ['currency', 'reference'],
);

const identity = object(
  {
    identity_id: string('idt_ followed by a UUID'),
    identity_type: string('individual or organization'),
    first_name: string(),
    last_name: string(),
    other_names: string(),
    gender: string(),
    dob: time(),
    email_address: string(),
    phone_number: string(),
    nationality: string(),
    organization_name: string(),
    category: string(),
    street: string(),
    country: string(),
    state: string(),
    post_code: string(),
    city: string(),
    created_at: time(),
    meta_data: metaData,
  },
  ['identity_id', 'created_at'],
);

const account = object(
  {
    account_id: string('acc_ followed by a UUID'),
    name: string(),
    number: string(),
    bank_name: string(),
    currency: string(),
    balance_id: string(),
    identity_id: string(),
    ledger_id: string(),
    ledger: { anyOf: [ref('Ledger'), { type: 'null' }] },
    balance: { anyOf: [ref('Balance'), { type: 'null' }] },
    identity: { anyOf: [ref('Identity'), { type: 'null' }] },
    created_at: time(),
    meta_data: metaData,
  },
  ['account_id', 'number', 'currency', 'balance_id', 'ledger_id', 'created_at'],
);

const apiKey = object(
  {
    api_key_id: string(),
    key: string('the key itself in a create answer (shown once), a hint in listings'),
    name: string(),
    owner_id: string(),
    scopes: { type: 'array', items: string('resource:action') },
    expires_at: time(),
    created_at: time(),
    last_used_at: time(),
    is_revoked: boolean(),
    revoked_at: time(),
    last_source_address: string('Kassa: the address of the latest use'),
    rotated_at: time('Kassa: when the key was rotated'),
    replaced_by: string('Kassa: the key that replaced this one'),
    rotated_from: string('Kassa, in a rotate answer: the key replaced'),
    grace_period: string('Kassa, in a rotate answer: how long the replaced key keeps working'),
    previous_key_expires_at: time('Kassa, in a rotate answer: when the replaced key stops working'),
  },
  ['api_key_id', 'key', 'name', 'owner_id', 'scopes', 'expires_at', 'created_at', 'is_revoked'],
);

const auditEvent = object(
  {
    audit_id: string('aud_ followed by a UUID'),
    created_at: time('when the act happened; for a counted row, the first time in its minute'),
    action: string('e.g. api_key.created, master_key.used, auth.failure'),
    actor: string('master, an API key id, anonymous, or cli'),
    owner_id: { type: ['string', 'null'] },
    source_address: { type: ['string', 'null'] },
    route: { type: ['string', 'null'], description: 'method and route pattern' },
    outcome: string('success, an HTTP status, an error code, or alert'),
    details: { type: 'object', description: 'ids and names only, never a secret' },
    count: { type: 'integer', description: 'how many times in this row (counted rows grow during their minute)' },
  },
  ['audit_id', 'created_at', 'action', 'actor', 'outcome', 'details', 'count'],
);

const hook = object(
  {
    id: string('hk_ followed by a UUID'),
    name: string(),
    url: string(),
    type: { type: 'string', enum: ['PRE_TRANSACTION', 'POST_TRANSACTION'] },
    active: boolean(),
    timeout: { type: 'integer', description: 'seconds' },
    retry_count: { type: 'integer' },
    created_at: time(),
    last_run: time(),
    last_success: boolean(),
  },
  ['id', 'name', 'url', 'type', 'active'],
);

const monitor = object(
  {
    monitor_id: string('mon_ followed by a UUID'),
    balance_id: string(),
    condition: object(
      {
        field: string('balance, credit_balance, debit_balance, inflight_balance, ...'),
        operator: string('>, <, >=, <=, =, !='),
        value: { type: 'number' },
        precision: { type: 'integer' },
        precise_value: money(),
      },
      ['field', 'operator'],
    ),
    description: string(),
    trigger: {
      type: 'string',
      enum: ['level', 'crossing'],
      description:
        "Kassa's own: `level` (the default, Blnk's: an event after every change while the condition holds) or `crossing` (an event when a change makes it hold, re-armed once it stops holding); shown only when `crossing`",
    },
    created_at: time(),
  },
  ['monitor_id', 'balance_id', 'condition', 'created_at'],
);

const errorEnvelope = object(
  {
    error: string('the message (some validation errors of Blnk carry `errors` instead)'),
    error_detail: object(
      { code: string('from the error catalogue'), message: string(), details: { type: 'object', additionalProperties: true } },
      ['code', 'message'],
    ),
  },
  ['error_detail'],
);

const filterRequest = object(
  {
    filters: {
      type: 'array',
      items: object(
        {
          field: string(),
          operator: string('eq, ne, gt, gte, lt, lte, in, between, like, ilike, isnull, isnotnull'),
          value: {},
          values: { type: 'array' },
        },
        ['field', 'operator'],
      ),
    },
    sort_by: string(),
    sort_order: { type: 'string', enum: ['asc', 'desc'] },
    include_count: boolean(),
    limit: { type: 'integer' },
    offset: { type: 'integer' },
  },
  [],
);

export const COMPONENTS = {
  Ledger: ledger,
  Balance: balance,
  Distribution: distribution,
  Transaction: transaction,
  TransactionRequest: transactionRequest,
  Identity: identity,
  Account: account,
  ApiKey: apiKey,
  AuditEvent: auditEvent,
  Hook: hook,
  BalanceMonitor: monitor,
  Error: errorEnvelope,
  FilterRequest: filterRequest,
} as const;

export type ComponentName = keyof typeof COMPONENTS;

/** A list answer: a bare array, or `{data, total_count}` when a filter asked for the count. */
export const listOf = (name: ComponentName): JsonSchema => ({
  anyOf: [
    { type: 'array', items: ref(name) },
    object({ data: { type: 'array', items: ref(name) }, total_count: { type: 'integer' } }),
  ],
});

export const arrayOf = (name: ComponentName): JsonSchema => ({ type: 'array', items: ref(name) });

export { object, string, boolean, time, metaData };

/** `{message}`: what Blnk answers after an update or a delete. */
export const messageAnswer: JsonSchema = object({ message: string() });

/** The query string of a GET list: paging, and filters as `<field>_<op>=<value>` (blnk-contract.md platform §8.4). */
export const listQuery: Record<string, JsonSchema> = {
  limit: { type: 'integer', description: 'rows per page (default 10 or 20)' },
  offset: { type: 'integer' },
  page: { type: 'integer' },
  per_page: { type: 'integer' },
};
