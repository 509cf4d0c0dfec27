#!/usr/bin/env node
// The `kassa` command: start | workers | migrate | events dead | events retry | keys create.
import { Command } from 'commander';
import { createApiKey } from './auth/api-keys.js';
import { ConfigError, loadConfig } from './config/config.js';
import { createdApiKeyView } from './http/api-key-views.js';
import { createLogger } from './log.js';
import { isRfc3339, ZERO_TIME } from './time.js';
import { InflightWorker } from './engine/inflight-worker.js';
import { createBulkRunner, createWorker, logStartWarnings, openMigratedDatabase, startServer } from './server.js';
import { listDeadDeliveries, requeueDeadDeliveries } from './db/deliveries.js';
import { stringifyJson } from './json.js';
import { Dispatcher } from './events/dispatcher.js';

const SHUTDOWN_GRACE_MS = 30_000;

const program = new Command('kassa')
  .description("A double-entry ledger server that speaks Blnk's HTTP API")
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
    const db = await openMigratedDatabase(config);
    const worker = createWorker(config, db, logger);
    // Blnk's worker process delivers webhooks and hooks; so does this one.
    const dispatcher = new Dispatcher({ db, config, logger });
    const inflightWorker = new InflightWorker(db, logger);
    const bulkRunner = createBulkRunner(config, db, logger, () => worker.wake());
    worker.start();
    bulkRunner.start();
    await dispatcher.start();
    inflightWorker.start();
    logger.info({ database: db.kind }, 'kassa worker running');
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down: finishing the current batch');
      const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
      force.unref();
      Promise.all([worker.stop(), inflightWorker.stop(), bulkRunner.stop()])
        .then(() => dispatcher.close())
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
    const db = await openMigratedDatabase(configFromOptions());
    await db.close();
    createLogger().info('migrations applied');
  });

const events = program.command('events').description('inspect webhook and hook deliveries');

events
  .command('dead')
  .description('list deliveries that failed their last attempt, oldest first, one JSON object per line')
  .option('--limit <n>', 'at most this many', '100')
  .action(async (options: { limit: string }) => {
    const limit = Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit must be a positive integer');
    const db = await openMigratedDatabase(configFromOptions());
    try {
      for (const dead of await listDeadDeliveries(db, limit)) process.stdout.write(stringifyJson(dead) + '\n');
    } finally {
      await db.close();
    }
  });

events
  .command('retry')
  .description('put dead deliveries back in the queue with fresh attempts (the given ids, or --all)')
  .argument('[ids...]', 'event or delivery ids from `kassa events dead`')
  .option('--all', 'every dead delivery')
  .action(async (ids: string[], options: { all?: boolean }) => {
    if (!options.all && ids.length === 0) throw new Error('name the ids to retry, or pass --all');
    const db = await openMigratedDatabase(configFromOptions());
    try {
      const count = await requeueDeadDeliveries(db, options.all ? 'all' : ids);
      process.stdout.write(`${count} deliveries queued again\n`);
    } finally {
      await db.close();
    }
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
    if (!isRfc3339(options.expires) || Date.parse(options.expires) <= Date.parse(ZERO_TIME)) {
      throw new Error('--expires must be an RFC 3339 timestamp, e.g. 2027-01-01T00:00:00Z');
    }
    const scopes = options.scopes.split(',').map((scope) => scope.trim()).filter((scope) => scope !== '');
    const db = await openMigratedDatabase(configFromOptions());
    try {
      const { row, key } = await createApiKey(db, {
        name: options.name,
        owner_id: options.owner,
        scopes,
        expires_at: options.expires,
      });
      console.log(JSON.stringify(createdApiKeyView(row, key, options.expires), null, 2));
      console.error('kassa: store the key now: it is not shown again');
    } finally {
      await db.close();
    }
  });

program.parseAsync().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`kassa: configuration error: ${error.message}`);
  } else {
    console.error(`kassa: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});
