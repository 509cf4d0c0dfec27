// Structured logs (pino). Anything that could carry a secret is redacted by path; request headers
// and bodies are never logged at all (see http/plugins/access-log.ts).
import { pino, type Logger } from 'pino';

/** Field names whose values never reach the log, at the top level and up to two levels deep. */
const SECRET_FIELDS = [
  'secret_key',
  'secret',
  'key',
  'token',
  'metrics_bearer_token',
  'tokenization_secret',
  'api_key',
  'password',
  'authorization',
  'Authorization',
  'x-blnk-key',
  'X-Blnk-Key',
  'headers',
  'dns',
  'url',
];

function fieldPaths(name: string): string[] {
  const field = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `["${name}"]`;
  const child = field.startsWith('[') ? field : `.${field}`;
  return [field, `*${child}`, `*.*${child}`];
}

export const REDACT_PATHS = SECRET_FIELDS.flatMap(fieldPaths);

export function createLogger(level: string = process.env.KASSA_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } });
}

export type { Logger };
