// Dry run of POST /refund-transaction/:id (blnk-contract.md ledger §8.4, §8.1): every row a real refund
// would reverse is projected, one after another as the real refund records them, with the real
// refund request (swapped sides, overdraft allowed). Nothing is written; no reference is taken.
import type { Database } from '../../db/database.js';
import { toAmount } from '../../ledger/money.js';
import { finishPreview, projectLeg, rejectionOf, type TransactionPreview } from '../../ledger/preview.js';
import { loadWorkingSet, runPreview, type PreviewOptions } from './working-set.js';
import { alreadyRefunded, refundRequest, refundTargets, type RefundOptions } from '../features/refunds.js';

export async function previewRefund(
  db: Database,
  id: string,
  refund: Omit<RefundOptions, 'skip_queue'>,
  options: PreviewOptions,
): Promise<TransactionPreview> {
  return runPreview(db, options, async (tx) => {
    const { originals, pending } = await refundTargets(tx, id);
    const requests = pending.map((row) => refundRequest(row, { ...refund, skip_queue: true }));
    const first = requests[0] ?? refundRequest(originals[0], { ...refund, skip_queue: true });
    const preview: TransactionPreview = {
      dry_run: true,
      would_apply: true,
      status: 'APPLIED',
      reference: first.reference,
      currency: first.currency,
      amount: toAmount(0n, 1n),
      precise_amount: '0',
      precision: first.precision,
      balances: [],
      notes: [
        originals.length === 1
          ? `projected refund of transaction ${originals[0].transaction_id}`
          : `projected refund of ${pending.length} refundable transactions under ${id}`,
      ],
    };
    if (pending.length === 0) {
      const error = alreadyRefunded(originals[0].transaction_id);
      preview.would_apply = false;
      preview.rejection = rejectionOf(error);
      return finishPreview(preview);
    }
    const { set, keyOf } = await loadWorkingSet(
      tx,
      requests.flatMap((r) => [
        { identifier: r.source, currency: r.currency },
        { identifier: r.destination, currency: r.currency },
      ]),
      options,
    );
    const scope = set.scope();
    let total = 0n;
    for (const request of requests) {
      const rejection = projectLeg(set, scope, {
        kind: 'post',
        source: keyOf(request.source, request.currency),
        destination: keyOf(request.destination, request.currency),
        amount: request.precise_amount,
        inflight: request.inflight,
        allow_overdraft: request.allow_overdraft,
        overdraft_limit_precise: request.overdraft_limit_precise,
      });
      if (rejection) {
        preview.would_apply = false;
        preview.rejection ??= rejection;
        continue;
      }
      total += request.precise_amount;
    }
    if (requests.length > 1) {
      preview.legs = requests.map((request, i) => ({
        identifier: pending[i].transaction_id,
        role: 'source' as const,
        precise_amount: request.precise_amount.toString(),
        amount: toAmount(request.precise_amount, request.precision),
      }));
    }
    preview.precise_amount = total.toString();
    preview.amount = toAmount(total, preview.precision);
    preview.balances = scope.projections();
    return finishPreview(preview);
  });
}
