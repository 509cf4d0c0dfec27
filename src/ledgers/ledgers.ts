// Ledgers as the routes use them: created with their `ledger.created` event in one database
// transaction, listed, read, renamed.
import type { Database } from '../db/database.js';
import { filterLedgers, findLedger, insertLedger, renameLedger, type LedgerRow } from '../db/ledgers.js';
import { ApiError } from '../errors.js';
import { recordEvent } from '../events/outbox.js';
import type { FilterRequest } from '../filters/language.js';
import { ledgerView } from '../views/entities.js';
import { newId } from '../ids.js';

const notFound = () => new ApiError('LGR_NOT_FOUND', 'ledger not found');

export class Ledgers {
  constructor(private readonly db: Database) {}

  /** The new ledger's answer (what `ledger.created` carries). */
  create(name: string, meta_data: Record<string, unknown> | null): Promise<Record<string, unknown>> {
    return this.db.transaction(async (tx) => {
      const ledger = ledgerView(await insertLedger(tx, { ledger_id: newId('ldg'), name, meta_data }));
      await recordEvent(tx, 'ledger.created', ledger);
      return ledger;
    });
  }

  filter(request: FilterRequest): Promise<{ rows: LedgerRow[]; total_count?: number }> {
    return filterLedgers(this.db, request);
  }

  async read(ledger_id: string): Promise<LedgerRow> {
    const ledger = await findLedger(this.db, ledger_id);
    if (!ledger) throw notFound();
    return ledger;
  }

  async rename(ledger_id: string, name: string): Promise<LedgerRow> {
    const ledger = await renameLedger(this.db, ledger_id, name);
    if (!ledger) throw notFound();
    return ledger;
  }
}
