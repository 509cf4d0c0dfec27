// Reads of the transaction hash chain (migration 020): its head, and the first link that does not
// hold when every chained row is replayed in `chain_seq` order.
import type { Queryable } from './database.js';

export interface ChainHead {
  chain_seq: string;
  chain_hash: string;
}

export interface ChainBreak {
  chain_seq: string;
  transaction_id: string;
  /** `hash`: the row's content or link was changed; `gap`: rows before it are missing. */
  reason: 'hash' | 'gap';
}

export interface ChainReplay {
  rows_checked: number;
  first_broken: ChainBreak | null;
  /** The last chained row (absent when none), to compare with the head. */
  last: ChainHead | null;
}

export async function chainHead(db: Queryable): Promise<ChainHead> {
  const [row] = await db.query<{ seq: string; hash: string }>('SELECT seq::text, hash FROM hash_chain_head WHERE id = 1');
  return { chain_seq: row.seq, chain_hash: row.hash };
}

export async function replayChain(db: Queryable): Promise<ChainReplay> {
  const broken = await db.query<ChainBreak>(
    `WITH links AS (
       SELECT t.transaction_id, t.chain_seq, t.chain_hash, transaction_chain_text(t) AS content,
         lag(t.chain_hash, 1, '') OVER w AS previous_hash, lag(t.chain_seq, 1, 0::bigint) OVER w AS previous_seq
       FROM transactions t WHERE t.chain_seq IS NOT NULL
       WINDOW w AS (ORDER BY t.chain_seq))
     SELECT chain_seq::text, transaction_id, CASE WHEN chain_seq <> previous_seq + 1 THEN 'gap' ELSE 'hash' END AS reason
     FROM links
     WHERE chain_seq <> previous_seq + 1 OR chain_hash IS DISTINCT FROM chain_link(previous_hash, content)
     ORDER BY chain_seq LIMIT 1`,
  );
  const [summary] = await db.query<{ rows: string; seq: string | null; hash: string | null }>(
    `SELECT (SELECT count(*) FROM transactions WHERE chain_seq IS NOT NULL)::text AS rows, l.chain_seq::text AS seq,
       l.chain_hash AS hash
     FROM (SELECT 1) one
     LEFT JOIN LATERAL (SELECT chain_seq, chain_hash FROM transactions WHERE chain_seq IS NOT NULL
                        ORDER BY chain_seq DESC LIMIT 1) l ON true`,
  );
  return {
    rows_checked: Number(summary.rows),
    first_broken: broken[0] ?? null,
    last: summary.seq === null ? null : { chain_seq: summary.seq, chain_hash: summary.hash! },
  };
}
