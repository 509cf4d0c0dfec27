import type { Queryable } from './database.js';

export interface ReindexRow {
  status: 'pending' | 'in_progress' | 'completed' | 'failed';
  phase: string;
  batch_size: number;
  total_records: string;
  processed_records: string;
  errors: string[];
  started_at: string;
  completed_at: string | null;
}

const COLUMNS = 'status, phase, batch_size, total_records, processed_records, errors, started_at, completed_at';
/** A run whose process has not written progress for this long is taken to have stopped. */
export const REINDEX_STALE_S = 60;

/** Starts a run unless one is live; undefined when one is (read it with findReindex). */
export async function claimReindex(db: Queryable, batch_size: number): Promise<ReindexRow | undefined> {
  const rows = await db.query<ReindexRow>(
    `INSERT INTO search_reindex (id, status, phase, batch_size) VALUES (1, 'pending', '', $1)
     ON CONFLICT (id) DO UPDATE SET status = 'pending', phase = '', batch_size = EXCLUDED.batch_size, total_records = 0,
            processed_records = 0, errors = '[]', started_at = now(), completed_at = NULL, heartbeat_at = now()
      WHERE search_reindex.status NOT IN ('pending', 'in_progress')
         OR search_reindex.heartbeat_at < now() - make_interval(secs => $2)
     RETURNING ${COLUMNS}`,
    [batch_size, REINDEX_STALE_S],
  );
  return rows[0];
}

export async function findReindex(db: Queryable): Promise<ReindexRow | undefined> {
  const rows = await db.query<ReindexRow>(`SELECT ${COLUMNS} FROM search_reindex WHERE id = 1`);
  return rows[0];
}

export interface ReindexUpdate {
  status: ReindexRow['status'];
  phase: string;
  total_records: number;
  processed_records: number;
  errors: readonly string[];
  done: boolean;
}

export async function saveReindex(db: Queryable, update: ReindexUpdate): Promise<void> {
  await db.query(
    `UPDATE search_reindex SET status = $1, phase = $2, total_records = $3, processed_records = $4, errors = $5::jsonb,
            heartbeat_at = now(), completed_at = CASE WHEN $6::boolean THEN now() END
      WHERE id = 1`,
    [update.status, update.phase, update.total_records, update.processed_records, JSON.stringify(update.errors), update.done],
  );
}
