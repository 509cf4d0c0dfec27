// Who is asking. Set by the auth plugin on every request before any handler runs; handlers for
// key management and hooks decide from it alone, never from body or query values.
import { ApiError } from '../errors.js';

export type Principal =
  /** The master key, or any request when secure mode is off (`open`). */
  | { kind: 'master'; open: boolean }
  | { kind: 'api_key'; api_key_id: string; owner_id: string; scopes: readonly string[] };

export const HOOKS_MASTER_ONLY_MESSAGE = 'hook management requires master key';

/** Hook management is master-only (blnk-auth.md §6): throws 403 AUTH_MASTER_KEY_REQUIRED otherwise. */
export function requireMaster(principal: Principal | undefined): void {
  if (principal?.kind !== 'master') throw new ApiError('AUTH_MASTER_KEY_REQUIRED', HOOKS_MASTER_ONLY_MESSAGE);
}
