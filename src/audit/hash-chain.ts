// The tamper-evident transaction chain (issue 16; Blnk 0.15's `verify-chain`): replays every link
// and reports the first that does not hold, and signs the head as a checkpoint an auditor can keep
// elsewhere (HMAC-SHA256 with the master key): a later rewrite of the whole chain cannot reproduce a
// checkpoint signed before it.
import { createHmac } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { chainHead, replayChain, type ChainBreak, type ChainHead } from '../db/hash-chain.js';

export interface Checkpoint extends ChainHead {
  signed_at: string;
  /** hex HMAC-SHA256 of `<chain_seq>|<chain_hash>|<signed_at>` with the master key; null without one. */
  signature: string | null;
}

export interface ChainReport {
  enabled: boolean;
  valid: boolean;
  rows_checked: number;
  /** The first link that does not hold; `head` when the head names rows that are not there. */
  first_broken: ChainBreak | { reason: 'head'; chain_seq: string } | null;
  checkpoint: Checkpoint;
}

function checkpointSignature(key: string, head: ChainHead, signed_at: string): string {
  return createHmac('sha256', key).update(`${head.chain_seq}|${head.chain_hash}|${signed_at}`).digest('hex');
}

/** What the verification needs from the configuration. */
export interface ChainSettings {
  enabled: boolean;
  master_key: string;
}

export function chainSettings(config: Config): ChainSettings {
  return { enabled: config.transaction.hash_chain_enabled, master_key: config.server.secret_key };
}

/** Replays the chain and reads its head in one snapshot, so writers meanwhile cannot look like a break. */
export async function verifyHashChain(db: Database, options: ChainSettings): Promise<ChainReport> {
  const { replay, head } = await db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    return { replay: await replayChain(tx), head: await chainHead(tx) };
  });
  let first_broken: ChainReport['first_broken'] = replay.first_broken;
  const last = replay.last ?? { chain_seq: '0', chain_hash: '' };
  if (!first_broken && (last.chain_seq !== head.chain_seq || last.chain_hash !== head.chain_hash)) {
    first_broken = { reason: 'head', chain_seq: head.chain_seq };
  }
  const signed_at = new Date().toISOString();
  return {
    enabled: options.enabled,
    valid: first_broken === null,
    rows_checked: replay.rows_checked,
    first_broken,
    checkpoint: {
      ...head,
      signed_at,
      signature: options.master_key ? checkpointSignature(options.master_key, head, signed_at) : null,
    },
  };
}
