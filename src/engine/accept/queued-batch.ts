// The queued path under load: concurrent POST /transactions share one database transaction (group
// commit). Each request keeps its own verdict: an unknown balance id or a taken reference refuses
// that request only. The QUEUED rows and their queue rows are committed before any caller is answered.
import type { Database, Queryable } from '../../db/database.js';
import { enqueue } from '../../db/transaction-queue.js';
import { insertTransactionsSkippingTakenReferences } from '../../db/transactions.js';
import type { TransactionRow } from '../../ledger/records.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { TransactionRequest } from '../../ledger/transaction-request.js';
import { GroupCommitter, type GroupCommitOptions, type ItemResult } from './group-commit.js';
import { duplicateReference, queuedRequestRows, recordQueued } from './record.js';
import { resolveMany } from './resolve-balances.js';

type Verdict = ItemResult<TransactionRow>;

async function acceptMany(tx: Queryable, requests: readonly TransactionRequest[]): Promise<Verdict[]> {
  const verdicts: (Verdict | undefined)[] = new Array(requests.length);
  const resolved = await resolveMany(tx, requests);
  const seen = new Set<string>();
  const accepted: { index: number; request: TransactionRequest; transaction_id: string }[] = [];
  requests.forEach((request, index) => {
    const ids = resolved[index];
    if (ids instanceof ApiError) verdicts[index] = { ok: false, error: ids };
    else if (seen.has(request.reference)) verdicts[index] = { ok: false, error: duplicateReference(request.reference) };
    else {
      seen.add(request.reference);
      const source = ids.get(request.source)!;
      const destination = ids.get(request.destination)!;
      accepted.push({ index, request: { ...request, source, destination }, transaction_id: newId('txn') });
    }
  });
  const { rows, queue } = queuedRequestRows(accepted);
  const inserted = await insertTransactionsSkippingTakenReferences(tx, rows);
  const stored = new Set(inserted.map((row) => row.transaction_id));
  await enqueue(
    tx,
    queue.filter((item) => stored.has(item.transaction_id)),
  );
  const byId = new Map(inserted.map((row) => [row.transaction_id, row]));
  for (const { index, request, transaction_id } of accepted) {
    const row = byId.get(transaction_id);
    verdicts[index] = row ? { ok: true, value: row } : { ok: false, error: duplicateReference(request.reference) };
  }
  return verdicts as Verdict[];
}

/** One flush. Should the shared transaction fail as a whole, each request is retried alone. */
async function flush(db: Database, requests: readonly TransactionRequest[]): Promise<Verdict[]> {
  try {
    return await db.transaction((tx) => acceptMany(tx, requests));
  } catch (error) {
    if (requests.length === 1) return [{ ok: false, error }];
    return Promise.all(
      requests.map((request) =>
        recordQueued(db, request).then(
          (value): Verdict => ({ ok: true, value }),
          (failure: unknown): Verdict => ({ ok: false, error: failure }),
        ),
      ),
    );
  }
}

const BATCH_SIZE_MAX = 500;
const PENDING_MAX = 20_000;
/** PostgreSQL: a few flushes overlap (one commits while the next fills); PGlite runs one at a time. */
const POSTGRES_FLUSHES_IN_FLIGHT_MAX = 4;

export function queuedAcceptor(db: Database): GroupCommitter<TransactionRequest, TransactionRow> {
  const options: GroupCommitOptions = {
    batch_size_max: BATCH_SIZE_MAX,
    flushes_in_flight_max: db.kind === 'embedded' ? 1 : POSTGRES_FLUSHES_IN_FLIGHT_MAX,
    pending_max: PENDING_MAX,
  };
  return new GroupCommitter((requests) => flush(db, requests), options);
}
