// Blnk's signature (blnk-contract.md platform §2.4): lowercase hex HMAC-SHA256 keyed with server.secret_key
// over `<X-Blnk-Timestamp>.<raw body>`. Receivers verify with verifyKassaSignature.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A non-secret name for the key that signs (stored with each delivery row, so that every attempt is
 * made by a process holding the same key): a domain-separated SHA-256 of it, first 16 hex digits.
 */
export function signingKeyId(secret: string): string {
  return createHash('sha256').update(`kassa signing key id\u0000${secret}`).digest('hex').slice(0, 16);
}

export function signPayload(secret: string, timestamp: string, rawBody: string | Uint8Array): string {
  const hmac = createHmac('sha256', Buffer.from(secret, 'utf8'));
  hmac.update(`${timestamp}.`);
  hmac.update(rawBody);
  return hmac.digest('hex');
}

/** Kassa's own: the body's signatures with each previous master key, comma-separated, during a rotation. */
export const PREVIOUS_SIGNATURE_HEADER = 'X-Blnk-Signature-Previous';

export interface SigningKeys {
  current: string;
  /** server.previous_secret_keys: receivers still holding one of them can verify. */
  previous: readonly string[];
}

/** X-Blnk-Signature with the current key, and X-Blnk-Signature-Previous when previous keys are kept. */
export function signatureHeaders(keys: SigningKeys, timestamp: string, body: string): Record<string, string> {
  const headers: Record<string, string> = { 'X-Blnk-Signature': signPayload(keys.current, timestamp, body) };
  if (keys.previous.length > 0) {
    headers[PREVIOUS_SIGNATURE_HEADER] = keys.previous.map((key) => signPayload(key, timestamp, body)).join(',');
  }
  return headers;
}

/** The current Unix time in whole seconds, as the X-Blnk-Timestamp header carries it. */
export function unixSeconds(now_ms: number = Date.now()): string {
  return String(Math.floor(now_ms / 1000));
}

export interface SignatureCheck {
  secret: string;
  /** The X-Blnk-Timestamp header. */
  timestamp: string | null | undefined;
  /** The X-Blnk-Signature header. */
  signature: string | null | undefined;
  /**
   * The X-Blnk-Signature-Previous header, during a master-key rotation: a receiver that still holds
   * the previous key passes it here and its `secret` matches one of these.
   */
  previous_signatures?: string | null;
  /** The request body exactly as received: the bytes, or the text they decode to. */
  rawBody: string | Uint8Array;
  /** How far the timestamp may be from now, in seconds (the replay window). */
  tolerance_s: number;
  /** The receiver's clock, Unix seconds (defaults to now). */
  now_s?: number;
}

/**
 * True when the signature is Kassa's (or Blnk's) for this body and the timestamp is within
 * `tolerance_s` of now. Compares in constant time; never throws on malformed input.
 */
export function verifyKassaSignature(check: SignatureCheck): boolean {
  const { secret, timestamp, signature, rawBody, tolerance_s } = check;
  if (typeof timestamp !== 'string' || !/^\d{1,15}$/.test(timestamp)) return false;
  const now_s = check.now_s ?? Date.now() / 1000;
  if (!(tolerance_s >= 0) || Math.abs(now_s - Number(timestamp)) > tolerance_s) return false;
  const presented = [signature, ...(check.previous_signatures?.split(',') ?? [])];
  const expected = Buffer.from(signPayload(secret, timestamp, rawBody), 'hex');
  let matched = false;
  // Every candidate is compared, in constant time each, so the position of a match does not show.
  for (const candidate of presented) {
    if (typeof candidate !== 'string' || !/^[0-9a-f]{64}$/.test(candidate.trim())) continue;
    if (timingSafeEqual(expected, Buffer.from(candidate.trim(), 'hex'))) matched = true;
  }
  return matched;
}
