// blnk.json (current folder, or --config PATH) plus BLNK_* variables, environment winning;
// validated once at start into one frozen Config. A bad value names its key.
import { existsSync, readFileSync } from 'node:fs';
import { isEventPattern } from '../events/event-names.js';
import { resolve } from 'node:path';
import { CONFIG_KEYS, type ConfigKey } from './known-keys.js';
import { parseGoDuration } from './duration.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface Config {
  project_name: string;
  enable_observability: boolean;
  tokenization_secret: string;
  /** Older tokenization secrets, tried after the current one when a token is opened. */
  tokenization_previous_secrets: string[];
  /** `GET /backup` writes under `dir`; `GET /backup-s3` also uploads to `s3`. */
  backup: {
    dir: string;
    pg_dump_path: string;
    s3: { endpoint: string; region: string; bucket_name: string; access_key_id: string; secret_access_key: string };
  };
  /** POST /accounts asks this service for the account number when `enabled`. */
  account_number_generation: { enabled: boolean; url: string; timeout_ms: number; authorization: string };
  server: {
    port: number;
    secure: boolean;
    secret_key: string;
    /** Master keys before a rotation: still accepted (each use audited) and still signing deliveries. */
    previous_secret_keys: string[];
    metrics_bearer_token: string;
    max_request_body_size_mb: number;
    max_upload_size_mb: number;
    /** Hosts a reconciliation upload may be fetched from (exact names); empty: none. */
    upload_whitelist: string[];
    upload_url_timeout_ms: number;
    /** Origins whose browsers may call the API (`*` for any); empty: no CORS headers at all. */
    cors_origins: string[];
  };
  data_source: {
    /** PostgreSQL URL; empty selects the embedded database in `data_dir`. */
    dns: string;
    data_dir: string;
    max_open_conns: number;
  };
  notification: {
    webhook: {
      url: string;
      headers: Record<string, string>;
      timeout_ms: number;
      attempts_max: number;
      /** Kassa's own: the events (names, `<prefix>.*`, `*`) recorded for the webhook; empty = all. */
      events: string[];
    };
    /** Retry delay after attempt n: min(retry_base_ms * 2^(n-1), retry_delay_max_ms). */
    retry_base_ms: number;
    retry_delay_max_ms: number;
    /** How often an idle dispatcher looks for due deliveries. */
    poll_interval_ms: number;
  };
  rate_limit: { requests_per_second: number; burst: number; cleanup_interval_sec: number };
  transaction: { batch_size: number; lock_wait_timeout_ms: number; enable_queued_checks: boolean; hash_chain_enabled: boolean };
  queue: { max_retry_attempts: number; webhook_concurrency: number };
  /** Kassa's own: whether `kassa start` also runs the queue worker (`kassa workers` always does). */
  worker: { enabled: boolean; idle_poll_ms: number };
  /** Failed authentications per source address: over the threshold in the window, an alert and a block. */
  security: { auth_failure_threshold: number; auth_failure_window_ms: number; auth_failure_block_ms: number };
  /** Audit rows older than this are pruned; nothing else deletes one. */
  audit: { retention_ms: number };
  reconciliation: { batch_size: number; attempts_max: number; retry_delay_ms: number; lease_ms: number };
  /** Keys present in the file or environment that Kassa accepts and does not use. */
  ignored_keys: string[];
  /** Where the configuration came from, for the start-time hygiene checks (src/config/hygiene.ts). */
  source: { file: string | null; secrets_in_file: string[] };
}

type Raw = Record<string, unknown>;

function flatten(value: unknown, prefix = '', out: Raw = {}): Raw {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Raw);
    const isHeaders = CONFIG_KEYS.some((k) => k.path === prefix && k.type === 'headers');
    if (isHeaders) {
      out[prefix] = value;
      return out;
    }
    for (const [name, child] of entries) flatten(child, prefix ? `${prefix}.${name}` : name, out);
    return out;
  }
  out[prefix] = value;
  return out;
}

const GO_TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

function parseEnv(spec: ConfigKey, text: string): unknown {
  const fail = () => {
    throw new ConfigError(`invalid value for ${spec.env} (${spec.path}): expected ${spec.type.replace('_ms', '')}`);
  };
  switch (spec.type) {
    case 'string':
      return text.trim();
    case 'strings':
      // A list of secrets with an empty entry is a slip (a stray comma), not something to guess at.
      if (spec.secret && text.trim() !== '' && text.split(',').some((item) => item.trim() === '')) {
        throw new ConfigError(`invalid value for ${spec.env} (${spec.path}): an entry is empty`);
      }
      return splitList(text);
    case 'bool':
      if (GO_TRUE.has(text)) return true;
      if (GO_FALSE.has(text)) return false;
      return fail();
    case 'int':
      return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : fail();
    case 'float':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : fail();
    case 'duration_ms':
      return parseGoDuration(text) ?? fail();
    case 'headers': {
      const headers: Record<string, string> = {};
      for (const pair of text.split(',')) {
        const at = pair.indexOf(':');
        if (at <= 0) return fail();
        headers[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
      }
      return headers;
    }
  }
}

/** `*`, or origins as a browser sends them (scheme, host, optional port), in their lowercase form. */
function corsOrigins(origins: string[]): string[] {
  return origins.map((origin) => {
    if (origin === '*') return origin;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || !/^https?:\/\/[^/?#\s]+\/?$/i.test(origin)) {
      throw new ConfigError(
        `invalid value for server.cors_origins (KASSA_CORS_ORIGINS): ${JSON.stringify(origin)} is not an origin such as https://app.example.com`,
      );
    }
    return parsed.origin;
  });
}

/** A comma-separated list, as the environment carries one. */
function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function checkFileValue(spec: ConfigKey, value: unknown): unknown {
  const fail = () => {
    throw new ConfigError(`invalid value for ${spec.path} in the config file: expected ${spec.type.replace('_ms', '')}`);
  };
  switch (spec.type) {
    case 'string':
      return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : fail();
    case 'strings':
      if (typeof value === 'string') return splitList(value);
      return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : fail();
    case 'bool':
      return typeof value === 'boolean' ? value : fail();
    case 'int':
      return Number.isInteger(value) ? value : fail();
    case 'float':
      return typeof value === 'number' ? value : fail();
    case 'duration_ms':
      // blnk.json durations are integer nanoseconds, except that a value under one second counts
      // as seconds (Blnk's rule for the lock timeouts); a Go duration string is accepted too.
      if (typeof value === 'string') return parseGoDuration(value) ?? fail();
      if (typeof value !== 'number' || value < 0) return fail();
      return value > 0 && value < 1e9 ? value * 1000 : value / 1e6;
    case 'headers':
      return value !== null && typeof value === 'object' && Object.values(value as Raw).every((v) => typeof v === 'string')
        ? value
        : fail();
  }
}

export interface LoadOptions {
  /** Explicit --config path: must exist. Without it, ./blnk.json is read when present; `null` reads no file. */
  path?: string | null;
  env?: NodeJS.ProcessEnv;
}

/**
 * The file's keys, flattened to dotted paths, and the file's full path; no keys and no path when there
 * is no file (an explicit path must exist).
 */
function readConfigFile(path: string | null, explicit: boolean): { raw: Raw; file: string | null } {
  if (path === null || !existsSync(path)) {
    if (explicit) throw new ConfigError(`the config file ${path} does not exist`);
    return { raw: {}, file: null };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new ConfigError(`the config file ${path} is not valid JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`the config file ${path} must hold a JSON object`);
  }
  return { raw: flatten(parsed), file: resolve(path) };
}

interface Settings {
  /** A key's value: the environment's, else the file's, else its default. */
  get<T>(path: string): T;
  /** The value the environment or the file set, if either did (no default). */
  given<T>(path: string): T | undefined;
  ignored: string[];
  secrets_in_file: string[];
}

/** The file's keys, then the environment's over them, each checked against its type. */
function collectSettings(file: Raw, env: NodeJS.ProcessEnv): Settings {
  const values = new Map<string, unknown>();
  const ignored: string[] = [];
  const secrets_in_file: string[] = [];
  const known = new Map(CONFIG_KEYS.map((spec) => [spec.path, spec]));
  for (const [path, value] of Object.entries(file)) {
    const spec = known.get(path);
    if (!spec) {
      ignored.push(path);
      continue;
    }
    if (value === null) continue;
    values.set(path, checkFileValue(spec, value));
    if (spec.secret && value !== '' && !(Array.isArray(value) && value.length === 0)) secrets_in_file.push(path);
    if (!spec.used) ignored.push(path);
  }
  for (const spec of CONFIG_KEYS) {
    if (!spec.env) continue;
    const text = envText(spec, env);
    if (text === undefined) continue;
    values.set(spec.path, parseEnv(spec, text));
    if (!spec.used && !ignored.includes(spec.path)) ignored.push(spec.path);
  }
  return {
    get<T>(path: string): T {
      const value = values.get(path);
      if (value === undefined || value === '') return known.get(path)?.default as T;
      return value as T;
    },
    given: <T>(path: string) => values.get(path) as T | undefined,
    ignored,
    secrets_in_file,
  };
}

export function loadConfig(options: LoadOptions = {}): Config {
  const path = options.path === undefined ? 'blnk.json' : options.path;
  const { raw, file } = readConfigFile(path, Boolean(options.path));
  const config = buildConfig(collectSettings(raw, options.env ?? process.env), file);
  if (config.server.secure && !config.server.secret_key) {
    throw new ConfigError(
      'server.secure is on but server.secret_key (BLNK_SERVER_SECRET_KEY) is empty: set a master key of at least 32 characters',
    );
  }
  return deepFreeze(config);
}

type Get = Settings['get'];

function serverConfig(get: Get): Config['server'] {
  const port = Number(get<string>('server.port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError('invalid value for server.port (BLNK_SERVER_PORT): expected a port number');
  }
  const maxBody = get<number>('server.max_request_body_size_mb');
  return {
    port,
    secure: get('server.secure'),
    secret_key: get('server.secret_key'),
    previous_secret_keys: previousSecretKeys(get('server.previous_secret_keys'), get('server.secret_key')),
    metrics_bearer_token: get('server.metrics_bearer_token'),
    max_request_body_size_mb: maxBody > 0 ? maxBody : 5,
    max_upload_size_mb: atLeast(get('server.max_upload_size_mb'), 1, 'server.max_upload_size_mb'),
    upload_whitelist: get<string[]>('server.upload_whitelist').map((host) => host.toLowerCase()),
    upload_url_timeout_ms: atLeast(get('server.upload_url_timeout_sec'), 1, 'server.upload_url_timeout_sec') * 1000,
    cors_origins: corsOrigins(get('server.cors_origins')),
  };
}

function webhookEvents(patterns: string[]): string[] {
  const unknown = patterns.find((pattern) => !isEventPattern(pattern));
  if (unknown !== undefined) {
    throw new ConfigError(
      `invalid value for notification.webhook.events (KASSA_WEBHOOK_EVENTS): ${JSON.stringify(unknown)} is not an event name, a prefix such as transaction.*, or *`,
    );
  }
  return patterns;
}

function notificationConfig(get: Get): Config['notification'] {
  return {
    webhook: {
      url: get('notification.webhook.url'),
      headers: get('notification.webhook.headers'),
      timeout_ms: atLeast(get('notification.webhook.timeout_ms'), 1, 'notification.webhook.timeout_ms'),
      attempts_max: atLeast(get('notification.webhook.attempts_max'), 1, 'notification.webhook.attempts_max'),
      events: webhookEvents(get('notification.webhook.events')),
    },
    retry_base_ms: atLeast(get('notification.retry_base_ms'), 1, 'notification.retry_base_ms'),
    retry_delay_max_ms: atLeast(get('notification.retry_delay_max_ms'), 1, 'notification.retry_delay_max_ms'),
    poll_interval_ms: atLeast(get('notification.poll_interval_ms'), 10, 'notification.poll_interval_ms'),
  };
}

function buildConfig({ get, given, ignored, secrets_in_file }: Settings, file: string | null): Config {
  const rps = given<number>('rate_limit.requests_per_second');
  const burst = given<number>('rate_limit.burst');
  const dns = get<string>('data_source.dns');
  if (dns && !/^postgres(ql)?:\/\//.test(dns)) {
    throw new ConfigError('invalid value for data_source.dns (BLNK_DATA_SOURCE_DNS): expected a postgres:// URL');
  }

  return {
    project_name: get('project_name'),
    enable_observability: get('enable_observability'),
    tokenization_secret: get('tokenization_secret'),
    tokenization_previous_secrets: previousTokenizationSecrets(get('tokenization_previous_secrets')),
    backup: {
      dir: get('backup_dir'),
      pg_dump_path: get('pg_dump_path'),
      s3: {
        endpoint: get('s3_endpoint'),
        region: get('s3_region'),
        bucket_name: get('s3_bucket_name'),
        access_key_id: get('aws_access_key_id'),
        secret_access_key: get('aws_secret_access_key'),
      },
    },
    account_number_generation: {
      enabled: get('account_number_generation.enable_auto_generation'),
      url: get('account_number_generation.http_service.url'),
      timeout_ms:
        atLeast(get('account_number_generation.http_service.timeout'), 1, 'account_number_generation.http_service.timeout') *
        1000,
      authorization: get('account_number_generation.http_service.headers.Authorization'),
    },
    server: serverConfig(get),
    data_source: { dns, data_dir: get('data_source.data_dir'), max_open_conns: get('data_source.max_open_conns') },
    notification: notificationConfig(get),
    rate_limit: {
      requests_per_second: rps ?? (burst !== undefined ? burst / 2 : 5_000_000),
      burst: burst ?? (rps !== undefined ? Math.ceil(rps * 2) : 10_000_000),
      cleanup_interval_sec: get('rate_limit.cleanup_interval_sec'),
    },
    transaction: {
      batch_size: get('transaction.batch_size'),
      lock_wait_timeout_ms: get('transaction.lock_wait_timeout'),
      enable_queued_checks: get('transaction.enable_queued_checks'),
      hash_chain_enabled: get('transaction.hash_chain.enabled'),
    },
    queue: {
      max_retry_attempts: get('queue.max_retry_attempts'),
      webhook_concurrency: atLeast(get('queue.webhook_concurrency'), 1, 'queue.webhook_concurrency'),
    },
    worker: { enabled: get('worker.enabled'), idle_poll_ms: atLeast(get('worker.idle_poll_ms'), 10, 'worker.idle_poll_ms') },
    reconciliation: {
      batch_size: atLeast(get('reconciliation.progress_interval'), 1, 'reconciliation.progress_interval'),
      attempts_max: atLeast(get('reconciliation.max_retries'), 1, 'reconciliation.max_retries'),
      retry_delay_ms: get('reconciliation.retry_delay'),
      lease_ms: atLeast(get('reconciliation.lease'), 1000, 'reconciliation.lease'),
    },
    security: {
      auth_failure_threshold: atLeast(get('security.auth_failure_threshold'), 1, 'security.auth_failure_threshold'),
      auth_failure_window_ms: atLeast(get('security.auth_failure_window'), 1, 'security.auth_failure_window'),
      auth_failure_block_ms: atLeast(get('security.auth_failure_block'), 0, 'security.auth_failure_block'),
    },
    audit: { retention_ms: atLeast(get('audit.retention'), 3_600_000, 'audit.retention') },
    ignored_keys: ignored,
    source: { file, secrets_in_file },
  };
}

/**
 * The value of a variable, or for a secret the content of the file `<VAR>_FILE` names (the container
 * secrets convention; one trailing newline dropped). Setting both is ambiguous: refuse to start.
 */
function envText(spec: ConfigKey, env: NodeJS.ProcessEnv): string | undefined {
  const fileVariable = `${spec.env}_FILE`;
  const file = spec.secret ? env[fileVariable] : undefined;
  if (file === undefined || file === '') return env[spec.env!];
  if (env[spec.env!] !== undefined) {
    throw new ConfigError(`both ${spec.env} and ${fileVariable} are set (${spec.path}): set only one`);
  }
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`cannot read ${fileVariable} (${spec.path}): ${reason}`);
  }
}

/** Each previous master key must be a real, distinct key beside a current one: a slip here locks operators out. */
function previousSecretKeys(keys: string[], current: string): string[] {
  const fail = (why: string) => {
    throw new ConfigError(`invalid value for server.previous_secret_keys (BLNK_SERVER_PREVIOUS_SECRET_KEYS): ${why}`);
  };
  if (keys.length > 0 && current === '') fail('previous keys need a current server.secret_key');
  for (const [index, key] of keys.entries()) {
    if (key === current) fail(`entry ${index + 1} is the current secret key`);
    if (keys.indexOf(key) !== index) fail(`entry ${index + 1} repeats an earlier entry`);
    if (/[\s,]/.test(key)) fail(`entry ${index + 1} holds whitespace or a comma`);
  }
  return keys;
}

/** A previous secret that could never have made a token is a typo: refuse to start. */
function previousTokenizationSecrets(secrets: string[]): string[] {
  for (const [index, secret] of secrets.entries()) {
    if (Buffer.byteLength(secret, 'utf8') !== 32) {
      throw new ConfigError(
        `invalid value for tokenization_previous_secrets (KASSA_TOKENIZATION_PREVIOUS_SECRETS): entry ${index + 1} is not 32 bytes`,
      );
    }
  }
  return secrets;
}

function atLeast(value: number, min: number, path: string): number {
  if (value >= min) return value;
  throw new ConfigError(`invalid value for ${path}: expected at least ${min}`);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
