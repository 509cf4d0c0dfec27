// Start-time checks of how secrets are kept (Blnk's securing checklist): a config file holding a
// secret must be private to its owner and outside version control, and the master key must be
// strong. Each finding is a warning naming the key or the file, never a value.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Config } from './config.js';

export const MASTER_KEY_LENGTH_MIN = 32;
/** Fewer distinct characters than this in 32+ characters is a pattern, not a random key. */
const DISTINCT_CHARACTERS_MIN = 10;
const PLACEHOLDERS = /secret|password|changeme|master|example|blnk|kassa|test|default|admin|12345|qwerty/i;

/** Why a master key is weak, or undefined when it looks like a random key of enough length. */
export function masterKeyWeakness(key: string): string | undefined {
  if (key.length < MASTER_KEY_LENGTH_MIN) return `is shorter than ${MASTER_KEY_LENGTH_MIN} characters`;
  if (new Set(key).size < DISTINCT_CHARACTERS_MIN) return 'repeats too few characters to be random';
  if (PLACEHOLDERS.test(key)) return 'contains a dictionary word or placeholder';
  return undefined;
}

/** A strong random key for `kassa secret`: 32 random bytes, URL-safe base64 (43 characters). */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Is `file` tracked by git? Undefined when git is absent or the folder is no repository. */
function trackedByGit(file: string): boolean | undefined {
  try {
    execFileSync('git', ['ls-files', '--error-unmatch', basename(file)], { cwd: dirname(file), stdio: 'ignore', timeout: 5000 });
    return true;
  } catch (error) {
    const status = (error as { status?: number | null }).status;
    // 1: not tracked (or no repository); no status: git did not run.
    return typeof status === 'number' ? false : undefined;
  }
}

export function configurationWarnings(config: Config): string[] {
  const warnings: string[] = [];
  const { file, secrets_in_file } = config.source;
  if (file !== null && secrets_in_file.length > 0) {
    const keys = secrets_in_file.join(', ');
    if ((statSync(file).mode & 0o077) !== 0) {
      warnings.push(`${file} holds secrets (${keys}) and is readable by group or others: chmod 600 it`);
    }
    if (trackedByGit(file)) {
      warnings.push(`${file} holds secrets (${keys}) and is tracked by git: move them to the environment or *_FILE secrets`);
    }
  }
  if (config.server.secure) {
    const weakness = masterKeyWeakness(config.server.secret_key);
    if (weakness) warnings.push(`server.secret_key ${weakness}: generate one with \`kassa secret\``);
  }
  return warnings;
}
