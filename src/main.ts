#!/usr/bin/env node
// The `kassa` command: start | workers | migrate | events dead | events retry | keys create | audit | secret | --version.
import { Command } from 'commander';
import {
  AdminError,
  auditEvents,
  createKey,
  deadDeliveries,
  retryDeliveries,
  type KeyRequest,
  type RetryResult,
} from './admin/operations.js';
import { randomSecret } from './config/hygiene.js';
import { callAdminSocket, startAdminSocket } from './admin/socket.js';
import { chainSettings, verifyHashChain } from './audit/hash-chain.js';
import { ConfigError, loadConfig } from './config/config.js';
import { createLogger } from './log.js';
import type { Database } from './db/database.js';
import { KASSA_VERSION } from './version.js';
import { logStartWarnings, openMigratedDatabase, startServer } from './server.js';
import { createBackgroundJobs } from './background/jobs.js';
import { stringifyJson } from './json.js';

const SHUTDOWN_GRACE_MS = 30_000;

const program = new Command('kassa')
  .description("A double-entry ledger server that speaks Blnk's HTTP API")
  .version(KASSA_VERSION, '-v, --version', 'print the version')
  .option('--config <path>', 'configuration file (default: ./blnk.json when present)');

function configFromOptions() {
  const { config } = program.opts<{ config?: string }>();
  return loadConfig({ path: config });
}

program
  .command('start')
  .description('serve the HTTP API')
  .action(async () => {
    const logger = createLogger();
    const server = await startServer(configFromOptions(), { logger });
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down: finishing in-flight work');
      const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
      force.unref();
      server.close().then(
        () => process.exit(0),
        (error) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });

program
  .command('workers')
  .description('run only the queue worker (any number may share one PostgreSQL database)')
  .action(async () => {
    const logger = createLogger();
    const config = configFromOptions();
    logStartWarnings(config, logger);
    const db = await openMigratedDatabase(config, logger);
    const jobs = createBackgroundJobs(config, db, logger, { workers: true });
    const admin =
      db.kind === 'embedded' ? await startAdminSocket(config.data_source.data_dir, db, logger, chainSettings(config)) : undefined;
    await jobs.start();
    logger.info({ database: db.kind }, 'kassa worker running');
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down: finishing the current batch');
      const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
      force.unref();
      jobs
        .stop()
        .then(() => admin?.close())
        .then(() => db.close())
        .then(
          () => process.exit(0),
          (error) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const logger = createLogger();
    const db = await openMigratedDatabase(configFromOptions(), logger);
    await db.close();
    logger.info('migrations applied');
  });

/**
 * Runs an operator's call on the configured database. With the embedded database a running server
 * holds the data folder, so the call goes through its admin socket; otherwise (PostgreSQL, or no
 * server running) the command opens the database itself.
 */
async function adminCall<T>(
  socket: { method: 'GET' | 'POST'; path: string; body?: unknown },
  direct: (db: Database) => Promise<T>,
): Promise<T> {
  const config = configFromOptions();
  if (!config.data_source.dns) {
    const answer = await callAdminSocket(config.data_source.data_dir, socket.method, socket.path, socket.body);
    if (answer !== undefined) return answer as T;
  }
  const db = await openMigratedDatabase(config);
  try {
    return await direct(db);
  } finally {
    await db.close();
  }
}

const events = program.command('events').description('inspect webhook and hook deliveries');

events
  .command('dead')
  .description('list deliveries that failed their last attempt, oldest first, one JSON object per line')
  .option('--limit <n>', 'at most this many', '100')
  .action(async (options: { limit: string }) => {
    const limit = Number(options.limit);
    const dead = await adminCall({ method: 'GET', path: `/events/dead?limit=${encodeURIComponent(options.limit)}` }, (db) =>
      deadDeliveries(db, limit),
    );
    for (const entry of dead) process.stdout.write(stringifyJson(entry) + '\n');
  });

events
  .command('retry')
  .description('put dead deliveries back in the queue with fresh attempts (the given ids, or --all)')
  .argument('[ids...]', 'event or delivery ids from `kassa events dead`')
  .option('--all', 'every dead delivery')
  .action(async (ids: string[], options: { all?: boolean }) => {
    if (!options.all && ids.length === 0) throw new AdminError('name the ids to retry, or pass --all');
    const target = options.all ? 'all' : ids;
    const result = await adminCall<RetryResult>(
      { method: 'POST', path: '/events/retry', body: options.all ? { all: true } : { ids } },
      (db) => retryDeliveries(db, target),
    );
    process.stdout.write(`${result.requeued.length} deliveries queued again\n`);
    if (result.unknown.length > 0) throw new AdminError(`no dead delivery with id ${result.unknown.join(', ')}`);
  });

program
  .command('keys')
  .description('API keys for secure mode')
  .command('create')
  .description('create an API key on the configured database and print it (the key is shown only once)')
  .requiredOption('--owner <owner>', 'owner_id of the key')
  .requiredOption('--name <name>', 'name of the key')
  .requiredOption('--scopes <list>', 'comma-separated resource:action scopes, e.g. ledgers:read,transactions:*')
  .requiredOption('--expires <rfc3339>', 'expiry, e.g. 2027-01-01T00:00:00Z')
  .action(async (options: { owner: string; name: string; scopes: string; expires: string }) => {
    const scopes = options.scopes
      .split(',')
      .map((scope) => scope.trim())
      .filter((scope) => scope !== '');
    const request: KeyRequest = { owner: options.owner, name: options.name, scopes, expires: options.expires };
    const created = await adminCall({ method: 'POST', path: '/keys', body: request }, (db) => createKey(db, request));
    console.log(JSON.stringify(created, null, 2));
    console.error('kassa: store the key now: it is not shown again');
  });

program
  .command('audit')
  .description('print the audit log, newest first, one JSON object per line')
  .option('--action <action>', 'only this action, e.g. api_key.created, master_key.used, auth.failure')
  .option('--actor <actor>', 'only this actor: master, an API key id, anonymous or cli')
  .option('--owner <owner>', 'only rows of this owner')
  .option('--from <rfc3339>', 'from this time (inclusive)')
  .option('--to <rfc3339>', 'until this time (exclusive)')
  .option('--limit <n>', 'at most this many', '50')
  .action(async (options: Record<string, string | undefined>) => {
    const filters = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Record<
      string,
      string
    >;
    const rows = await adminCall({ method: 'GET', path: `/audit?${new URLSearchParams(filters)}` }, (db) =>
      auditEvents(db, filters),
    );
    for (const row of rows) process.stdout.write(stringifyJson(row) + '\n');
  });

program
  .command('verify-chain')
  .description('replay the transaction hash chain; print the report and exit 1 at the first broken link')
  .action(async () => {
    const report = await adminCall({ method: 'GET', path: '/verify-chain' }, (db) =>
      verifyHashChain(db, chainSettings(configFromOptions())),
    );
    process.stdout.write(stringifyJson(report) + '\n');
    if (!report.valid) process.exitCode = 1;
  });

program
  .command('secret')
  .description('print a strong random key (for server.secret_key, a metrics token, ...)')
  .action(() => {
    process.stdout.write(randomSecret() + '\n');
  });

program.parseAsync().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`kassa: configuration error: ${error.message}`);
  } else {
    console.error(`kassa: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});
