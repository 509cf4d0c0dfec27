// The shared tail of every skip_queue path: insert the APPLIED/INFLIGHT rows with their events and
// PRE/POST hook deliveries, inside the transaction that moved the money.
import type { Queryable } from '../../db/database.js';
import { insertTransactions } from '../../db/transactions.js';
import type { NewTransaction, TransactionRow } from '../../ledger/records.js';
import type { HookTrigger } from '../../events/hooks.js';
import { recordTransactionDeliveries } from '../../events/outbox.js';
import { transactionView } from '../../views/transaction.js';

export async function insertDirectRows(tx: Queryable, rows: readonly NewTransaction[]): Promise<TransactionRow[]> {
  const inserted = await insertTransactions(tx, rows);
  const views = inserted.map(transactionView);
  await recordTransactionDeliveries(
    tx,
    views.map((view, i) => ({ event: inserted[i].inflight ? 'transaction.inflight' : 'transaction.applied', data: view })),
    views.flatMap((view): HookTrigger[] => [
      { type: 'PRE_TRANSACTION', transaction: view },
      { type: 'POST_TRANSACTION', transaction: view },
    ]),
  );
  return inserted;
}
