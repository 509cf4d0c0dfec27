// Lock waits: how long a statement may wait for a row lock before it gives up (SQLSTATE 55P03, which
// the skip_queue paths answer 423 GEN_RESOURCE_LOCKED). For the rest of the caller's transaction.
import type { Queryable } from './database.js';

export async function setLockTimeout(tx: Queryable, timeout_ms: number): Promise<void> {
  await tx.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.trunc(timeout_ms))}`);
}
