// Blnk's format-preserving tokens for identity PII (docs/blnk-contract.md "Tokenization"):
// `FPT:<visible>:<base64(nonce ‖ AES-256-GCM ciphertext ‖ tag)>`. The visible part keeps the value's
// shape and is deterministic per key (HMAC-SHA256 of the value picks each letter and digit); the
// ciphertext is fresh for every call. A token Blnk made with the same secret reads here, and back.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export const TOKENIZATION_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const FPT_PREFIX = 'FPT:';
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Why a token did not open; the text never includes the token or the value. */
export class TokenError extends Error {
  override name = 'TokenError';
}

/** Go's `[]byte(secret)`: the secret's UTF-8 bytes; tokenization is on only when they are exactly 32. */
export function tokenizationKey(secret: string): Buffer | undefined {
  const key = Buffer.from(secret, 'utf8');
  return key.length === TOKENIZATION_KEY_BYTES ? key : undefined;
}

/** Each letter and digit replaced by one chosen by the seed byte at its rune index; the rest kept. */
function visiblePart(key: Buffer, value: string): string {
  const seed = createHmac('sha256', key).update(value, 'utf8').digest();
  let out = '';
  let index = 0;
  for (const char of value) {
    const byte = seed[index % seed.length];
    const code = char.codePointAt(0) as number;
    if (code >= 0x41 && code <= 0x5a) out += String.fromCharCode(0x41 + (byte % 26));
    else if (code >= 0x61 && code <= 0x7a) out += String.fromCharCode(0x61 + (byte % 26));
    else if (code >= 0x30 && code <= 0x39) out += String.fromCharCode(0x30 + (byte % 10));
    else out += char;
    index += 1;
  }
  return out;
}

function seal(key: Buffer, value: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
}

function open(key: Buffer, data: Buffer): string | undefined {
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return undefined;
  }
}

/**
 * `current` makes every new token; `previous` are older secrets, tried in order after the current
 * one when a token is opened, so tokens made before a rotation stay readable.
 */
export class Tokenizer {
  private readonly current: Buffer | undefined;
  private readonly keys: Buffer[];

  constructor(current: string, previous: readonly string[] = []) {
    this.current = tokenizationKey(current);
    this.keys = [this.current, ...previous.map(tokenizationKey)].filter((key): key is Buffer => key !== undefined);
  }

  get enabled(): boolean {
    return this.current !== undefined;
  }

  /** Callers check `enabled` first. */
  tokenize(value: string): string {
    if (!this.current) throw new TokenError('tokenization is disabled');
    return `${FPT_PREFIX}${visiblePart(this.current, value)}:${seal(this.current, value)}`;
  }

  /** An `FPT:` token, or a bare base64 AES-GCM token (Blnk's standard mode, which its API never makes). */
  detokenize(token: string): string {
    let sealed = token;
    if (token.startsWith(FPT_PREFIX)) {
      // The visible part keeps the value's punctuation, colons included; base64 has none, so the
      // sealed part starts after the last colon.
      const last = token.lastIndexOf(':');
      if (last < FPT_PREFIX.length) throw new TokenError('invalid format-preserving token format');
      sealed = token.slice(last + 1);
    }
    if (!STRICT_BASE64.test(sealed)) throw new TokenError('the token is not base64');
    const data = Buffer.from(sealed, 'base64');
    if (data.length < NONCE_BYTES + TAG_BYTES) throw new TokenError('token too short');
    for (const key of this.keys) {
      const value = open(key, data);
      if (value !== undefined) return value;
    }
    throw new TokenError('no configured tokenization secret opens the token');
  }
}
