// The references of split legs (`<ref>-<n>`, `<ref>_<n>`) are derived by the server, so a client's own
// row must not block them (issue 11, item 3). Inside the transaction that writes the legs, each split's
// own reference is recorded (a repeat of a split is refused by that record), and a leg whose reference
// a client's row holds takes `<leg reference>_<ref id>`. A leg reference held by a derived row (a leg of
// an earlier split, before split references were recorded) stays, for the caller's duplicate check.
import type { Queryable } from '../db/database.js';
import { clientHeldReferences, recordedElsewhere, recordSplitReferences } from '../db/split-references.js';
import { existingReferences } from '../db/transactions.js';
import { newId } from '../ids.js';
import type { TransactionRequest } from '../ledger/transaction-request.js';

export interface SplitLegs {
  /** The split's own reference. */
  reference: string;
  /** The id the split answers with (a bulk batch's id for its split items). */
  transaction_id: string;
  legs: TransactionRequest[];
}

/**
 * Records the splits and renames client-blocked legs in place. Returns the leg references to treat as
 * taken: every leg of a split that was recorded before under another id.
 */
export async function claimLegReferences(tx: Queryable, splits: readonly SplitLegs[]): Promise<Set<string>> {
  if (splits.length === 0) return new Set();
  const repeated = await recordSplitReferences(tx, splits);
  return renameClientHeld(tx, splits, repeated);
}

/**
 * For a dry run, recording and renaming nothing: which of `references` (every leg and request of the
 * preview) a real post would refuse as taken.
 */
export async function previewTakenReferences(tx: Queryable, references: readonly string[], splits: readonly SplitLegs[]): Promise<Set<string>> {
  const taken = await existingReferences(tx, references);
  const repeated = await recordedElsewhere(tx, splits);
  const fresh = splits.filter((split) => !repeated.has(split.reference)).flatMap((split) => split.legs);
  for (const reference of await clientHeldReferences(tx, fresh.map((leg) => leg.reference))) taken.delete(reference);
  for (const split of splits) if (repeated.has(split.reference)) for (const leg of split.legs) taken.add(leg.reference);
  return taken;
}

async function renameClientHeld(tx: Queryable, splits: readonly SplitLegs[], repeated: ReadonlySet<string>): Promise<Set<string>> {
  const taken = new Set<string>();
  const fresh = splits.filter((split) => {
    if (!repeated.has(split.reference)) return true;
    for (const leg of split.legs) taken.add(leg.reference);
    return false;
  });
  const legs = fresh.flatMap((split) => split.legs);
  const held = await clientHeldReferences(tx, legs.map((leg) => leg.reference));
  for (const leg of legs) {
    if (held.has(leg.reference)) leg.reference = `${leg.reference}_${newId('ref')}`;
  }
  return taken;
}
