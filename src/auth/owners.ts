// Owner context and delegation (blnk-contract.md auth §4, advisory GHSA-wcr3-9x4c-f5gj §8): the owner a key
// management call acts on comes from the calling key, and a key can only hand out what it holds.
import { ApiError } from '../errors.js';
import type { Principal } from './principal.js';
import { scopesCovered } from './scopes.js';

export const CROSS_OWNER_MESSAGE = 'cannot manage API keys for another owner';
export const OWNER_REQUIRED_MESSAGE = 'owner is required';
export const ESCALATION_MESSAGE = 'cannot grant scopes broader than caller';

/**
 * The owner a create, list or revoke acts on. `supplied` is the body's `owner` (create) or the
 * `?owner=` value (list, revoke); empty counts as absent. The master key must name one (create's
 * body validation already demands it); an API key acts for its own owner and may only name that one.
 */
export function effectiveOwner(principal: Principal, supplied: string | undefined): string {
  const named = supplied === '' ? undefined : supplied;
  if (principal.kind === 'master') {
    if (named === undefined) throw new ApiError('APIKEY_OWNER_REQUIRED', OWNER_REQUIRED_MESSAGE);
    return named;
  }
  if (named !== undefined && named !== principal.owner_id) {
    throw new ApiError('AUTH_CROSS_OWNER_ACCESS', CROSS_OWNER_MESSAGE);
  }
  return principal.owner_id;
}

/** A key may only mint scopes it covers; the master key may grant anything. */
export function checkNoEscalation(principal: Principal, requested: readonly string[]): void {
  if (principal.kind === 'master') return;
  if (!scopesCovered(principal.scopes, requested)) throw new ApiError('AUTH_SCOPE_ESCALATION', ESCALATION_MESSAGE);
}
