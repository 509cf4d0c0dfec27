#!/usr/bin/env node
// The `kassa` command: start | migrate.
import { Command } from 'commander';
import { ConfigError, loadConfig } from './config/config.js';
import { createLogger } from './log.js';
import { openMigratedDatabase, startServer } from './server.js';

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
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const db = await openMigratedDatabase(configFromOptions());
    await db.close();
    createLogger().info('migrations applied');
  });

program.parseAsync().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`kassa: configuration error: ${error.message}`);
  } else {
    console.error(`kassa: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});
