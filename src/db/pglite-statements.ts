// Parameterised statements on PGlite, each sent as one protocol message (parse, bind, describe,
// execute, sync) where PGlite's own `query` makes six calls into the database per statement. The
// statement stays unnamed, so every run gets a plan for its own values: PGlite has no autovacuum, and
// cached generic plans chosen on stale statistics were seen to scan whole tables. Parameters are
// serialized by node-postgres's own function, so both databases receive the same text.
import { parse, protocol, type PGlite } from '@electric-sql/pglite';
import { prepareValue } from 'pg/lib/utils.js';

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const message = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    message.set(part, offset);
    offset += part.length;
  }
  return message;
}

/**
 * Runs `sql` on `pglite`. `in_transaction`: the caller runs inside `pglite.transaction` (which holds
 * PGlite's transaction lock); otherwise the statement waits for any open transaction, as
 * `pglite.query` does.
 */
export function runStatement<Row>(
  pglite: PGlite,
  sql: string,
  params: readonly unknown[],
  in_transaction: boolean,
): Promise<Row[]> {
  const { serialize } = protocol;
  const message = concat([
    serialize.parse({ text: sql }),
    serialize.bind({ values: params.map((value) => prepareValue(value)) }),
    serialize.describe({ type: 'P' }),
    serialize.execute({}),
    serialize.sync(),
  ]);
  const once = () =>
    pglite._runExclusiveQuery(async () => {
      const { messages } = await pglite.execProtocol(message, { syncToFs: !in_transaction });
      return parse.parseResults(messages, pglite.parsers)[0].rows as Row[];
    });
  return in_transaction ? once() : pglite._runExclusiveTransaction(once);
}
