// The tokenizer against an independent implementation of Blnk's algorithm (Go's
// internal/tokenization, written again here in a few lines of node:crypto), both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Tokenizer, TokenError } from '../../src/identities/tokenizer.js';

const SECRET = 'k'.repeat(16) + '0123456789abcdef';
const OLD_SECRET = 'o'.repeat(32);

/** Blnk's visible part: per rune, seed byte i mod 32 picks the letter or digit; the rest is kept. */
function blnkVisible(secret: string, value: string): string {
  const seed = createHmac('sha256', Buffer.from(secret)).update(Buffer.from(value)).digest();
  return [...value]
    .map((c, i) => {
      const b = seed[i % 32];
      if (c >= 'A' && c <= 'Z') return String.fromCharCode(65 + (b % 26));
      if (c >= 'a' && c <= 'z') return String.fromCharCode(97 + (b % 26));
      if (c >= '0' && c <= '9') return String.fromCharCode(48 + (b % 10));
      return c;
    })
    .join('');
}

/** What Blnk's TokenizeWithMode(value, FormatPreservingMode) returns. */
function blnkToken(secret: string, value: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(secret), nonce);
  const sealed = Buffer.concat([nonce, cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `FPT:${blnkVisible(secret, value)}:${sealed.toString('base64')}`;
}

function blnkOpen(secret: string, token: string): string {
  const data = Buffer.from(token.split(':').slice(2).join(':'), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(secret), data.subarray(0, 12));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]).toString('utf8');
}

test('known answers: the visible parts computed once by the independent implementation', () => {
  const tokenizer = new Tokenizer(SECRET);
  const vectors = { 'ada@x.io': 'nvy@i.ks', 'Ada Lovelace': 'Sul Uctulglj', '+44 20 7946 0958': '+01 73 6873 5383' };
  for (const [value, visible] of Object.entries(vectors)) {
    assert.equal(tokenizer.tokenize(value).split(':')[1], visible, value);
    assert.equal(blnkVisible(SECRET, value), visible, value);
  }
});

test('tokens interoperate with Blnk in both directions, for any string', () => {
  const tokenizer = new Tokenizer(SECRET);
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), (value) => {
      const ours = tokenizer.tokenize(value);
      assert.ok(ours.startsWith(`FPT:${blnkVisible(SECRET, value)}:`));
      assert.equal(blnkOpen(SECRET, ours), value);
      assert.equal(tokenizer.detokenize(blnkToken(SECRET, value)), value);
    }),
  );
});

test('the visible part is deterministic and the ciphertext is fresh', () => {
  const tokenizer = new Tokenizer(SECRET);
  const [a, b] = [tokenizer.tokenize('Ada Lovelace 1815'), tokenizer.tokenize('Ada Lovelace 1815')];
  assert.equal(a.split(':')[1], b.split(':')[1]);
  assert.notEqual(a.split(':')[2], b.split(':')[2]);
});

test('a bare base64 token (standard mode) opens; previous secrets open older tokens', () => {
  const standard = blnkToken(OLD_SECRET, 'Ada').split(':')[2];
  const rotated = new Tokenizer(SECRET, [OLD_SECRET]);
  assert.equal(rotated.detokenize(standard), 'Ada');
  assert.equal(rotated.detokenize(blnkToken(OLD_SECRET, 'Lovelace')), 'Lovelace');
  assert.ok(rotated.tokenize('x').startsWith(`FPT:${blnkVisible(SECRET, 'x')}:`), 'new tokens use the current secret');
  assert.throws(() => new Tokenizer(SECRET).detokenize(blnkToken(OLD_SECRET, 'Ada')), TokenError);
});

test('disabled unless the secret is exactly 32 bytes; broken tokens are TokenErrors', () => {
  assert.equal(new Tokenizer('').enabled, false);
  assert.equal(new Tokenizer('x'.repeat(31)).enabled, false);
  assert.equal(new Tokenizer('é'.repeat(16)).enabled, true, 'bytes, not characters');
  const tokenizer = new Tokenizer(SECRET);
  for (const bad of ['FPT:abc', 'FPT:a:not base64!', 'FPT:a:AAAA', 'plain text', '']) {
    assert.throws(() => tokenizer.detokenize(bad), TokenError, bad);
  }
  const [prefix, shown, sealed] = tokenizer.tokenize('Ada').split(':');
  const bytes = Buffer.from(sealed, 'base64');
  for (const at of [0, 12, bytes.length - 1]) {
    const tampered = Buffer.from(bytes);
    tampered[at] ^= 1; // the nonce, the ciphertext, the tag
    assert.throws(() => tokenizer.detokenize(`${prefix}:${shown}:${tampered.toString('base64')}`), TokenError);
  }
});
