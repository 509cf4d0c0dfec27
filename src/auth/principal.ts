// Who is asking. Set by the auth plugin on every request before any handler runs; handlers for
// key management decide from it alone, never from body or query values.

export type Principal =
  /** The master key, or any request when secure mode is off (`open`). */
  | {
      kind: 'master';
      open: boolean;
      /** A previous master key (server.previous_secret_keys) was presented. */
      previous?: boolean;
    }
  | { kind: 'api_key'; api_key_id: string; owner_id: string; scopes: readonly string[]; expires_at?: string };

/** Hook management is master-only (blnk-contract.md auth §6); the auth plugin enforces it by path for /hooks*. */
export const HOOKS_MASTER_ONLY_MESSAGE = 'hook management requires master key';
