// One error type and one catalogue: every error a client sees carries a code from this table,
// and its HTTP status comes from here (blnk-contract.md auth §7.2).

export const ERROR_STATUS = {
  GEN_MALFORMED_REQUEST: 400,
  GEN_VALIDATION_ERROR: 400,
  GEN_MISSING_PARAMETER: 400,
  GEN_BAD_REQUEST: 400,
  GEN_NOT_FOUND: 404,
  GEN_CONFLICT: 409,
  GEN_RESOURCE_LOCKED: 423,
  GEN_PAYLOAD_TOO_LARGE: 413,
  GEN_RATE_LIMITED: 429,
  GEN_INTERNAL: 500,
  GEN_SERVICE_UNAVAILABLE: 503,
  GEN_URI_TOO_LONG: 414,
  GEN_HEADERS_TOO_LARGE: 431,
  GEN_REQUEST_TIMEOUT: 408,

  AUTH_MISSING_API_KEY: 401,
  AUTH_INVALID_API_KEY: 401,
  AUTH_EXPIRED_API_KEY: 401,
  AUTH_MISSING_PRINCIPAL: 401,
  AUTH_INSUFFICIENT_PERMISSIONS: 403,
  AUTH_UNKNOWN_RESOURCE: 403,
  AUTH_MASTER_KEY_REQUIRED: 403,
  AUTH_CROSS_OWNER_ACCESS: 403,
  AUTH_SCOPE_ESCALATION: 403,
  AUTH_METRICS_TOKEN_REQUIRED: 401,
  AUTH_INVALID_BEARER_TOKEN: 401,
  AUTH_METRICS_DISABLED: 403,

  APIKEY_NOT_FOUND: 404,
  APIKEY_OWNER_REQUIRED: 400,
  APIKEY_INVALID: 400,
  /** Kassa's own: rotating a key that is revoked, expired or already rotated. */
  APIKEY_NOT_ROTATABLE: 409,

  /** Kassa's own: a bad filter on GET /audit-events. */
  AUDIT_INVALID_QUERY: 400,

  TXN_NOT_FOUND: 404,
  TXN_INSUFFICIENT_FUNDS: 400,
  TXN_INVALID_AMOUNT: 400,
  TXN_PRECISION_NOT_INTEGER: 400,
  TXN_INVALID_DISTRIBUTION: 400,
  TXN_DUPLICATE_REFERENCE: 409,
  TXN_NOT_INFLIGHT: 400,
  TXN_ALREADY_COMMITTED: 409,
  TXN_ALREADY_VOIDED: 409,
  TXN_COMMIT_AMOUNT_EXCEEDED: 400,
  TXN_INVALID_STATUS_ACTION: 400,
  TXN_BULK_EMPTY: 400,
  TXN_BULK_LIMIT_EXCEEDED: 400,
  TXN_VALIDATION_ERROR: 400,
  /** Kassa's own: a balance is not at the version the transaction's expected_versions names. */
  TXN_VERSION_MISMATCH: 409,
  /** Kassa's own: posting would leave a balance outside the transaction's balance_bounds. */
  TXN_BALANCE_OUT_OF_BOUNDS: 409,

  BAL_NOT_FOUND: 404,
  BAL_HISTORY_NOT_FOUND: 404,
  BAL_INVALID_TIMESTAMP: 400,
  BAL_VALIDATION_ERROR: 400,
  BAL_MONITOR_NOT_FOUND: 404,

  LGR_NOT_FOUND: 404,
  LGR_DUPLICATE: 409,

  ACC_NOT_FOUND: 404,
  ACC_DUPLICATE: 409,
  ACC_GENERATION_FAILED: 500,

  IDT_NOT_FOUND: 404,
  IDT_VALIDATION_ERROR: 400,
  IDT_FIELD_NOT_TOKENIZABLE: 400,
  IDT_FIELD_ALREADY_TOKENIZED: 409,
  IDT_FIELD_NOT_TOKENIZED: 400,
  IDT_FIELD_NOT_FOUND: 400,
  IDT_TOKENIZATION_DISABLED: 403,

  RECON_NOT_FOUND: 404,
  RECON_RULE_NOT_FOUND: 404,
  RECON_UPLOAD_FAILED: 400,
  RECON_UPLOAD_PROCESSING_FAILED: 500,
  RECON_UPLOAD_URL_INVALID: 400,
  RECON_UPLOAD_HOST_NOT_ALLOWED: 400,
  RECON_RULE_INVALID: 400,
  RECON_MATCHING_RULES_REQUIRED: 400,
  RECON_EXTERNAL_TXNS_REQUIRED: 400,
  RECON_START_FAILED: 500,
  // Kassa's own: a file or record an upload cannot store (Blnk: 500 RECON_UPLOAD_PROCESSING_FAILED),
  // and a run naming an upload that does not exist (Blnk completes it with 0/0).
  RECON_UPLOAD_INVALID: 400,
  RECON_UPLOAD_NOT_FOUND: 404,

  META_ENTITY_NOT_FOUND: 404,
  META_UNSUPPORTED_ENTITY: 400,
  META_INVALID_ENTITY_ID: 400,

  HOOK_NOT_FOUND: 404,
  HOOK_INVALID: 400,
  HOOK_OPERATION_FAILED: 500,

  QUEUE_BACKPRESSURE: 503,

  SRCH_QUERY_INVALID: 400,
  SRCH_FAILED: 500,
  SRCH_REINDEX_IN_PROGRESS: 409,
  SRCH_REINDEX_NOT_STARTED: 404,

  ADMIN_BACKUP_FAILED: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * `legacyKey` is the top-level key Blnk puts the message under: `error` on most routes,
 * `errors` on validation failures of some routes (blnk-contract.md ledger §0.3). `legacyValue` overrides
 * the legacy value (filter parse errors carry an array there).
 */
export interface ApiErrorOptions {
  details?: unknown;
  /** `none`: no legacy message key (the hooks' bare envelope puts its own keys in `extra`). */
  legacyKey?: 'error' | 'errors' | 'none';
  legacyValue?: unknown;
  /** Extra top-level keys some endpoints add (bulk failures carry `batch_id`). */
  extra?: Record<string, unknown>;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: ApiErrorOptions = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
  }

  /** The response body: `{error, error_detail: {code, message, details?}}`. */
  body(): Record<string, unknown> {
    const { details, legacyKey = 'error', legacyValue, extra } = this.options;
    const detail: Record<string, unknown> = { code: this.code, message: this.message };
    if (details !== undefined) detail.details = details;
    if (legacyKey === 'none') return { ...extra, error_detail: detail };
    return { [legacyKey]: legacyValue ?? this.message, ...extra, error_detail: detail };
  }
}

export const INTERNAL_ERROR_MESSAGE = 'internal server error';
export const DATABASE_UNAVAILABLE_MESSAGE = 'the database is unavailable; try again shortly';
/** Seconds a client is asked to wait (Retry-After) after a 503 or a 429. */
export const RETRY_AFTER_S = 1;
