// Every configuration key Kassa knows: its place in blnk.json, its BLNK_* variable, its type and
// default (blnk-contract.md platform §3.2). `used: false` marks keys accepted for compatibility and ignored.
export type KeyType = 'string' | 'strings' | 'int' | 'float' | 'bool' | 'duration_ms' | 'headers';

export interface ConfigKey {
  path: string;
  env?: string;
  type: KeyType;
  default?: string | number | boolean | string[] | Record<string, string>;
  used: boolean;
  /** A secret: also read from the file named by `<env>_FILE`, and never logged. */
  secret?: boolean;
}

const key = (
  path: string,
  env: string | undefined,
  type: KeyType,
  defaultValue?: ConfigKey['default'],
  used = true,
): ConfigKey => ({ path, env, type, default: defaultValue, used });
const ignored = (path: string, env: string | undefined, type: KeyType): ConfigKey => key(path, env, type, undefined, false);
const secret = (path: string, env: string, type: KeyType, defaultValue: ConfigKey['default']): ConfigKey => ({
  ...key(path, env, type, defaultValue),
  secret: true,
});

export const CONFIG_KEYS: readonly ConfigKey[] = [
  key('project_name', 'BLNK_PROJECT_NAME', 'string', 'Blnk Server'),
  key('backup_dir', 'BLNK_BACKUP_DIR', 'string', ''),
  // Kassa's own: the pg_dump to run (its major version must be at least the server's).
  key('pg_dump_path', 'KASSA_PG_DUMP_PATH', 'string', 'pg_dump'),
  key('aws_access_key_id', 'BLNK_AWS_ACCESS_KEY_ID', 'string', ''),
  secret('aws_secret_access_key', 'BLNK_AWS_SECRET_ACCESS_KEY', 'string', ''),
  key('s3_endpoint', 'BLNK_S3_ENDPOINT', 'string', ''),
  key('s3_bucket_name', 'BLNK_S3_BUCKET_NAME', 'string', ''),
  key('s3_region', 'BLNK_S3_REGION', 'string', ''),
  ignored('type_sense_key', 'BLNK_TYPESENSE_KEY', 'string'),
  secret('tokenization_secret', 'BLNK_TOKENIZATION_SECRET', 'string', ''),
  // Kassa's own: secrets used before a rotation, still tried when a token is opened (docs/operations.md).
  secret('tokenization_previous_secrets', 'KASSA_TOKENIZATION_PREVIOUS_SECRETS', 'strings', []),
  ignored('enable_telemetry', 'BLNK_ENABLE_TELEMETRY', 'bool'),
  key('enable_observability', 'BLNK_ENABLE_OBSERVABILITY', 'bool', false),
  ignored('monitoring_dsn', 'BLNK_MONITORING_DSN', 'string'),

  ignored('server.ssl', 'BLNK_SERVER_SSL', 'bool'),
  ignored('server.cert_storage_path', 'BLNK_CERT_STORAGE_PATH', 'string'),
  ignored('server.domain', 'BLNK_SERVER_SSL_DOMAIN', 'string'),
  ignored('server.ssl_email', 'BLNK_SERVER_SSL_EMAIL', 'string'),
  key('server.secure', 'BLNK_SERVER_SECURE', 'bool', false),
  secret('server.secret_key', 'BLNK_SERVER_SECRET_KEY', 'string', ''),
  // Kassa's own: master keys before a rotation, still accepted and still signing (docs/operations.md).
  secret('server.previous_secret_keys', 'BLNK_SERVER_PREVIOUS_SECRET_KEYS', 'strings', []),
  key('server.port', 'BLNK_SERVER_PORT', 'string', '5001'),
  secret('server.metrics_bearer_token', 'BLNK_METRICS_BEARER_TOKEN', 'string', ''),
  key('server.max_upload_size_mb', 'BLNK_SERVER_MAX_UPLOAD_SIZE_MB', 'int', 256),
  key('server.max_request_body_size_mb', 'BLNK_SERVER_MAX_REQUEST_BODY_SIZE_MB', 'int', 5),
  // Kassa's own: browser origins allowed to call the API (CORS); none by default.
  key('server.cors_origins', 'KASSA_CORS_ORIGINS', 'strings', []),
  key('server.upload_whitelist', 'BLNK_UPLOAD_DOMAIN_WHITELIST', 'strings', []),
  key('server.upload_url_timeout_sec', 'BLNK_UPLOAD_URL_TIMEOUT_SEC', 'int', 30),

  secret('data_source.dns', 'BLNK_DATA_SOURCE_DNS', 'string', ''),
  key('data_source.data_dir', 'KASSA_DATA_DIR', 'string', './.kassa'),
  key('worker.enabled', 'KASSA_WORKER_ENABLED', 'bool', true),
  // Kassa's own: how often an idle queue worker looks for due work; accepts wake it sooner, in any process.
  key('worker.idle_poll_ms', 'KASSA_WORKER_IDLE_POLL_MS', 'int', 100),
  key('data_source.max_open_conns', 'BLNK_DATABASE_MAX_OPEN_CONNS', 'int', 50),
  ignored('data_source.max_idle_conns', 'BLNK_DATABASE_MAX_IDLE_CONNS', 'int'),
  ignored('data_source.conn_max_lifetime', 'BLNK_DATABASE_CONN_MAX_LIFETIME', 'duration_ms'),
  ignored('data_source.conn_max_idle_time', 'BLNK_DATABASE_CONN_MAX_IDLE_TIME', 'duration_ms'),

  ignored('redis.dns', 'BLNK_REDIS_DNS', 'string'),
  ignored('redis.skip_tls_verify', 'BLNK_REDIS_SKIP_TLS_VERIFY', 'bool'),
  ignored('redis.pool_size', 'BLNK_REDIS_POOL_SIZE', 'int'),
  ignored('redis.min_idle_conns', 'BLNK_REDIS_MIN_IDLE_CONNS', 'int'),
  ignored('typesense.dns', 'BLNK_TYPESENSE_DNS', 'string'),
  ignored('typesense.backpressure_retry_interval', 'BLNK_TYPESENSE_BACKPRESSURE_RETRY_INTERVAL', 'duration_ms'),

  ignored('notification.slack.webhook_url', 'BLNK_SLACK_WEBHOOK_URL', 'string'),
  key('notification.webhook.url', 'BLNK_WEBHOOK_URL', 'string', ''),
  key('notification.webhook.headers', 'BLNK_WEBHOOK_HEADERS', 'headers', {}),
  // Kassa's delivery settings (Blnk fixes these): see docs/operations.md "Webhook and hook delivery".
  key('notification.webhook.timeout_ms', 'KASSA_WEBHOOK_TIMEOUT_MS', 'int', 30_000),
  key('notification.webhook.events', 'KASSA_WEBHOOK_EVENTS', 'strings', []),
  key('notification.webhook.attempts_max', 'KASSA_WEBHOOK_ATTEMPTS_MAX', 'int', 26),
  key('notification.retry_base_ms', 'KASSA_EVENTS_RETRY_BASE_MS', 'int', 1000),
  key('notification.retry_delay_max_ms', 'KASSA_EVENTS_RETRY_DELAY_MAX_MS', 'int', 3_600_000),
  key('notification.poll_interval_ms', 'KASSA_EVENTS_POLL_INTERVAL_MS', 'int', 200),

  // Kassa's own: noticing attacks and keeping the audit log (docs/operations.md "Security operations").
  key('security.auth_failure_threshold', 'KASSA_AUTH_FAILURE_THRESHOLD', 'int', 50),
  key('security.auth_failure_window', 'KASSA_AUTH_FAILURE_WINDOW', 'duration_ms', 60_000),
  key('security.auth_failure_block', 'KASSA_AUTH_FAILURE_BLOCK', 'duration_ms', 300_000),
  key('audit.retention', 'KASSA_AUDIT_RETENTION', 'duration_ms', 365 * 24 * 3_600_000),

  key('rate_limit.requests_per_second', 'BLNK_RATE_LIMIT_RPS', 'float'),
  key('rate_limit.burst', 'BLNK_RATE_LIMIT_BURST', 'int'),
  key('rate_limit.cleanup_interval_sec', 'BLNK_RATE_LIMIT_CLEANUP_INTERVAL_SEC', 'int', 10800),

  key('transaction.batch_size', 'BLNK_TRANSACTION_BATCH_SIZE', 'int', 1000),
  ignored('transaction.max_queue_size', 'BLNK_TRANSACTION_MAX_QUEUE_SIZE', 'int'),
  ignored('transaction.max_workers', 'BLNK_TRANSACTION_MAX_WORKERS', 'int'),
  ignored('transaction.lock_duration', 'BLNK_TRANSACTION_LOCK_DURATION', 'duration_ms'),
  key('transaction.lock_wait_timeout', 'BLNK_TRANSACTION_LOCK_WAIT_TIMEOUT', 'duration_ms', 3000),
  ignored('transaction.index_queue_prefix', 'BLNK_TRANSACTION_INDEX_QUEUE_PREFIX', 'string'),
  ignored('transaction.enable_coalescing', 'BLNK_TRANSACTION_ENABLE_COALESCING', 'bool'),
  key('transaction.enable_queued_checks', 'BLNK_TRANSACTION_ENABLE_QUEUED_CHECKS', 'bool', false),
  ignored('transaction.disable_batch_reference_check', 'BLNK_TRANSACTION_DISABLE_BATCH_REFERENCE_CHECK', 'bool'),
  key('transaction.hash_chain.enabled', 'BLNK_TRANSACTION_HASHCHAIN_ENABLED', 'bool', false),
  ignored('transaction.hash_chain.poll_interval', 'BLNK_TRANSACTION_HASHCHAIN_POLL_INTERVAL', 'duration_ms'),
  ignored('transaction.hash_chain.batch_size', 'BLNK_TRANSACTION_HASHCHAIN_BATCH_SIZE', 'int'),
  ignored('transaction.hash_chain.trailing_delay', 'BLNK_TRANSACTION_HASHCHAIN_TRAILING_DELAY', 'duration_ms'),

  ignored('reconciliation.default_strategy', 'BLNK_RECONCILIATION_DEFAULT_STRATEGY', 'string'),
  // Records matched per database transaction (a run's progress is written with each batch).
  key('reconciliation.progress_interval', 'BLNK_RECONCILIATION_PROGRESS_INTERVAL', 'int', 500),
  key('reconciliation.max_retries', 'BLNK_RECONCILIATION_MAX_RETRIES', 'int', 5),
  key('reconciliation.retry_delay', 'BLNK_RECONCILIATION_RETRY_DELAY', 'duration_ms', 1000),
  // Kassa's own: how long a process's claim on a run lasts without progress before another takes it.
  key('reconciliation.lease', 'KASSA_RECONCILIATION_LEASE', 'duration_ms', 30_000),

  ignored('queue.transaction_queue', 'BLNK_QUEUE_TRANSACTION', 'string'),
  ignored('queue.webhook_queue', 'BLNK_QUEUE_WEBHOOK', 'string'),
  ignored('queue.index_queue', 'BLNK_QUEUE_INDEX', 'string'),
  ignored('queue.inflight_expiry_queue', 'BLNK_QUEUE_INFLIGHT_EXPIRY', 'string'),
  ignored('queue.inflight_commit_queue', 'BLNK_QUEUE_INFLIGHT_COMMIT', 'string'),
  ignored('queue.number_of_queues', 'BLNK_QUEUE_NUMBER_OF_QUEUES', 'int'),
  ignored('queue.enable_hot_lane', 'BLNK_QUEUE_ENABLE_HOT_LANE', 'bool'),
  ignored('queue.hot_queue_name', 'BLNK_QUEUE_HOT_QUEUE_NAME', 'string'),
  ignored('queue.hot_queue_concurrency', 'BLNK_QUEUE_HOT_QUEUE_CONCURRENCY', 'int'),
  ignored('queue.hot_pair_ttl', 'BLNK_QUEUE_HOT_PAIR_TTL', 'int'),
  ignored('queue.hot_pair_lock_contention_threshold', 'BLNK_QUEUE_HOT_PAIR_LOCK_CONTENTION_THRESHOLD', 'int'),
  ignored('queue.reject_lock_contention_immediately', 'BLNK_QUEUE_REJECT_LOCK_CONTENTION_IMMEDIATELY', 'bool'),
  ignored('queue.insufficient_fund_retries', 'BLNK_QUEUE_INSUFFICIENT_FUND_RETRIES', 'bool'),
  key('queue.max_retry_attempts', 'BLNK_QUEUE_MAX_RETRY_ATTEMPTS', 'int', 5),
  ignored('queue.monitoring_port', 'BLNK_QUEUE_MONITORING_PORT', 'string'),
  key('queue.webhook_concurrency', 'BLNK_QUEUE_WEBHOOK_CONCURRENCY', 'int', 20),
  ignored('queue.transaction_worker_concurrency', 'BLNK_QUEUE_TRANSACTION_WORKER_CONCURRENCY', 'int'),
  ignored('queue.enable_backpressure', 'BLNK_QUEUE_ENABLE_BACKPRESSURE', 'bool'),
  ignored('queue.backpressure_memory_percent', 'BLNK_QUEUE_BACKPRESSURE_MEMORY_PERCENT', 'int'),
  ignored('queue.backpressure_max_pending_tasks', 'BLNK_QUEUE_BACKPRESSURE_MAX_PENDING_TASKS', 'int'),
  ignored('queue.backpressure_check_interval', 'BLNK_QUEUE_BACKPRESSURE_CHECK_INTERVAL', 'duration_ms'),

  // Blnk gives these no documented variables; the names are the ones its envconfig derives.
  key('account_number_generation.enable_auto_generation', 'BLNK_ACCOUNTNUMBERGENERATION_ENABLEAUTOGENERATION', 'bool', false),
  key('account_number_generation.http_service.url', 'BLNK_ACCOUNTNUMBERGENERATION_HTTPSERVICE_URL', 'string', ''),
  // seconds, as Blnk's int; Kassa applies it (Blnk's client has none) with a default of 10.
  key('account_number_generation.http_service.timeout', 'BLNK_ACCOUNTNUMBERGENERATION_HTTPSERVICE_TIMEOUT', 'int', 10),
  secret(
    'account_number_generation.http_service.headers.Authorization',
    'BLNK_ACCOUNTNUMBERGENERATION_HTTPSERVICE_HEADERS_AUTHORIZATION',
    'string',
    '',
  ),
];
