// skip_queue under load: concurrent direct transactions share one database transaction (a
// micro-batch). Balances are locked once, in id order; each transaction is checked and applied in
// memory in arrival order with the exact funds check, exactly as if they had come one after another.
// A refused one leaves nothing behind and does not affect the others. Should the shared transaction
// fail as a whole (a reference taken concurrently, a lock timeout), each request is retried alone.
import type { Database, Queryable } from '../../db/database.js';
import { existingReferences } from '../../db/transactions.js';
import type { NewTransaction, TransactionRow } from '../../ledger/records.js';
import { ApiError } from '../../errors.js';
import { newId } from '../../ids.js';
import { requestLegs } from '../../ledger/apply-units.js';
import { postUnits } from './pipeline.js';
import type { TransactionRequest } from '../../ledger/transaction-request.js';
import { GroupCommitter, type ItemResult } from './group-commit.js';
import { insertDirectRows } from './write-applied.js';
import { DIRECT_POLICY, recordDirect, type DirectOptions } from './record.js';
import { resolveMany } from './resolve-balances.js';
import { requestRow } from './transaction-rows.js';
import { setLockTimeout } from '../../db/locks.js';

type Verdict = ItemResult<TransactionRow>;

async function applyMany(tx: Queryable, requests: readonly TransactionRequest[], options: DirectOptions): Promise<Verdict[]> {
  await setLockTimeout(tx, options.lock_wait_timeout_ms);
  const verdicts: (Verdict | undefined)[] = new Array(requests.length);
  const resolved = await resolveMany(tx, requests);
  const taken = await existingReferences(
    tx,
    requests.map((r) => r.reference),
  );
  const candidates: { index: number; request: TransactionRequest; source: string; destination: string }[] = [];
  requests.forEach((request, index) => {
    const ids = resolved[index];
    if (ids instanceof ApiError) verdicts[index] = { ok: false, error: ids };
    else candidates.push({ index, request, source: ids.get(request.source)!, destination: ids.get(request.destination)! });
  });
  // Each transaction is a unit of its own, checked as on the single path: funds, then reference.
  const { outcomes } = await postUnits(
    tx,
    candidates.map((c) => requestLegs([{ ...c, reference: c.request.reference }])),
    { ...DIRECT_POLICY, taken },
    options,
  );
  const rows: NewTransaction[] = [];
  const applied: number[] = [];
  candidates.forEach(({ index, request, source, destination }, i) => {
    const outcome = outcomes[i];
    if (!outcome.applied) {
      verdicts[index] = { ok: false, error: outcome.refusal };
      return;
    }
    const status = request.inflight ? 'INFLIGHT' : 'APPLIED';
    rows.push(requestRow(request, { transaction_id: newId('txn'), status, source, destination }));
    applied.push(index);
  });
  const inserted = await insertDirectRows(tx, rows);
  inserted.forEach((row, i) => (verdicts[applied[i]] = { ok: true, value: row }));
  return verdicts as Verdict[];
}

async function flush(db: Database, requests: readonly TransactionRequest[], options: DirectOptions): Promise<Verdict[]> {
  if (requests.length === 1) {
    return recordDirect(db, requests[0], options).then(
      (value): Verdict[] => [{ ok: true, value }],
      (error: unknown): Verdict[] => [{ ok: false, error }],
    );
  }
  try {
    return await db.transaction((tx) => applyMany(tx, requests, options));
  } catch {
    return Promise.all(
      requests.map((request) =>
        recordDirect(db, request, options).then(
          (value): Verdict => ({ ok: true, value }),
          (error: unknown): Verdict => ({ ok: false, error }),
        ),
      ),
    );
  }
}

const BATCH_SIZE_MAX = 200;
const PENDING_MAX = 20_000;
const POSTGRES_FLUSHES_IN_FLIGHT_MAX = 4;

export function directAcceptor(db: Database, options: DirectOptions): GroupCommitter<TransactionRequest, TransactionRow> {
  return new GroupCommitter((requests) => flush(db, requests, options), {
    batch_size_max: BATCH_SIZE_MAX,
    flushes_in_flight_max: db.kind === 'embedded' ? 1 : POSTGRES_FLUSHES_IN_FLIGHT_MAX,
    pending_max: PENDING_MAX,
  });
}
