// Structured logs (pino). Anything that could carry a secret is redacted by path; request headers
// and bodies are never logged at all (see http/plugins/access-log.ts).
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'secret_key',
  '*.secret_key',
  'key',
  '*.key',
  'token',
  '*.token',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers',
  '*.headers',
  'x-blnk-key',
  '*["x-blnk-key"]',
  'dns',
  '*.dns',
  'url',
  '*.url',
];

export function createLogger(level: string = process.env.KASSA_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } });
}

export type { Logger };
