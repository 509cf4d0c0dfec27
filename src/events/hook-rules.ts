// Blnk's hook registration rules (blnk-contract.md platform §1.1–1.2). They apply on registration only:
// an update stores what it is given.
import type { HookFields } from '../db/hooks.js';

export const HOOK_TYPES = ['PRE_TRANSACTION', 'POST_TRANSACTION'] as const;
export const DEFAULT_HOOK_TIMEOUT_S = 30;
export const DEFAULT_HOOK_RETRY_COUNT = 3;
export const HOOK_RETRY_COUNT_MAX = 10;

/** Why a registration is refused, or undefined when it is valid. */
export function registrationProblem(hook: HookFields): string | undefined {
  if (hook.url.trim() === '') return 'url is required';
  if (!(HOOK_TYPES as readonly string[]).includes(hook.type)) return 'type must be PRE_TRANSACTION or POST_TRANSACTION';
  return undefined;
}

export function withRegistrationDefaults(hook: HookFields): HookFields {
  return {
    ...hook,
    timeout: hook.timeout <= 0 ? DEFAULT_HOOK_TIMEOUT_S : hook.timeout,
    retry_count: hook.retry_count < 0 ? DEFAULT_HOOK_RETRY_COUNT : Math.min(hook.retry_count, HOOK_RETRY_COUNT_MAX),
  };
}
