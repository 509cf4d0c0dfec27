// Structured logs (pino). Anything that could carry a secret is redacted by path; request headers
// and bodies are never logged at all (see http/plugins/access-log.ts). On a terminal the lines are
// printed by pino-pretty (coloured, one readable line each); anywhere else they are JSON, one object a
// line. Redaction happens before either.
import { pino, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

/** Field names whose values never reach the log, at the top level and up to two levels deep. */
const SECRET_FIELDS = [
  'secret_key',
  'secret',
  'key',
  'token',
  'metrics_bearer_token',
  'tokenization_secret',
  'tokenization_previous_secrets',
  'previous_secret_keys',
  'secret_access_key',
  'aws_secret_access_key',
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

export type LogFormat = 'json' | 'pretty';

/** `KASSA_LOG_FORMAT` when set, else pretty on a terminal and JSON otherwise. */
export function logFormat(env: NodeJS.ProcessEnv = process.env, stdout_is_tty = process.stdout.isTTY === true): LogFormat {
  const chosen = env.KASSA_LOG_FORMAT;
  if (chosen === 'json' || chosen === 'pretty') return chosen;
  return stdout_is_tty ? 'pretty' : 'json';
}

export function createLogger(level: string = process.env.KASSA_LOG_LEVEL ?? 'info', format: LogFormat = logFormat()): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } };
  if (format === 'json' || level === 'silent') return pino(options);
  // In this thread and synchronous, so that a line reaches the terminal before the process exits.
  const destination = pinoPretty({
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    sync: true,
  });
  return pino(options, destination);
}

export type { Logger };
