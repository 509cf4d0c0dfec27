// API key material: generation, the stored one-way hash and lookup prefix, constant-time compares.
// A key is 256 random bits, so a fast hash is enough: nobody can brute-force a preimage
// (blnk-contract.md auth §2.3; Kassa replaces Blnk's bcrypt, see docs/compatibility.md).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_BYTES = 32;
/** Characters of the plaintext stored in clear to find candidate rows. */
export const KEY_PREFIX_LENGTH = 16;
/** Characters shown in listings: a hint to tell keys apart, never enough to use one. */
export const KEY_HINT_LENGTH = 8;

/** 32 random bytes as URL-safe base64 with padding: 44 characters ending in `=`. */
export function generateApiKey(): string {
  return randomBytes(KEY_BYTES).toString('base64url') + '=';
}

/** SHA-256 of a presented key: hashed once per request, for the master compare and the key lookup. */
export function digestKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** SHA-256 of the key, hex: what is stored. */
export function hashApiKey(key: string): string {
  return digestKey(key).toString('hex');
}

/** The master key's digest, computed once; undefined when there is no master key. */
export function masterDigest(secret: string): Buffer | undefined {
  return secret === '' ? undefined : digestKey(secret);
}

/** Does a presented key's digest equal the master's? Constant time; never with no master key. */
export function isMasterDigest(digest: Buffer, master: Buffer | undefined): boolean {
  return master !== undefined && timingSafeEqual(digest, master);
}

export function keyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX_LENGTH);
}

export function keyHint(prefix: string): string {
  return `${prefix.slice(0, KEY_HINT_LENGTH)}...`;
}

/** Two hex digests of equal length compared without an early exit. */
export function hashesEqual(a_hex: string, b_hex: string): boolean {
  const a = Buffer.from(a_hex, 'hex');
  const b = Buffer.from(b_hex, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

/**
 * Compares a presented secret with a configured one in constant time. Both are hashed first, so
 * neither the content nor the length of the secret leaks through timing. An empty secret never matches.
 */
export function secretMatches(presented: string, secret: string): boolean {
  if (secret === '' || presented === '') return false;
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(secret, 'utf8').digest();
  return timingSafeEqual(a, b);
}
