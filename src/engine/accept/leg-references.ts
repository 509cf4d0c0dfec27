// The references of split legs (`<ref>-<n>`, `<ref>_<n>`) are derived by the server, so a client's own
// row must not block them (issue 11, item 3). Inside the transaction that writes the legs, each split's
// own reference is recorded (a repeat of a split is refused by that record), and a leg whose reference
// a client's row holds takes `<leg reference>_<ref id>`. A leg reference held by a derived row (a leg of
// an earlier split, before split references were recorded) stays, for the caller's duplicate check.
import type { Queryable } from '../../db/database.js';
import { clientHeldReferences, recordedElsewhere, recordSplitReferences } from '../../db/split-references.js';
import { existingReferences } from '../../db/transactions.js';
import { newId } from '../../ids.js';
import type { TransactionRequest } from '../../ledger/transaction-request.js';

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
export async function previewTakenReferences(
  tx: Queryable,
  references: readonly string[],
  splits: readonly SplitLegs[],
): Promise<Set<string>> {
  const taken = await existingReferences(tx, references);
  const { repeated, held } = await partition(tx, splits, await recordedElsewhere(tx, splits));
  for (const leg of held) taken.delete(leg.reference);
  for (const reference of repeated) taken.add(reference);
  return taken;
}

async function renameClientHeld(
  tx: Queryable,
  splits: readonly SplitLegs[],
  repeated_splits: ReadonlySet<string>,
): Promise<Set<string>> {
  const { repeated, held } = await partition(tx, splits, repeated_splits);
  for (const leg of held) leg.reference = `${leg.reference}_${newId('ref')}`;
  return repeated;
}

/** The leg references of repeated splits, and the legs of the others whose reference a client's row holds. */
async function partition(
  tx: Queryable,
  splits: readonly SplitLegs[],
  repeated_splits: ReadonlySet<string>,
): Promise<{ repeated: Set<string>; held: TransactionRequest[] }> {
  const repeated = new Set<string>();
  const fresh: TransactionRequest[] = [];
  for (const split of splits) {
    if (repeated_splits.has(split.reference)) for (const leg of split.legs) repeated.add(leg.reference);
    else fresh.push(...split.legs);
  }
  const client = await clientHeldReferences(
    tx,
    fresh.map((leg) => leg.reference),
  );
  return { repeated, held: fresh.filter((leg) => client.has(leg.reference)) };
}
