// A running Kassa: database opened and migrated, HTTP listening, the outbox dispatcher delivering.
// `close()` stops accepting, lets in-flight requests and deliveries finish, then closes the database.
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/config.js';
import type { Database } from './db/database.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import type { Dispatcher } from './events/dispatcher.js';
import type { TransactionWorker } from './engine/workers/queue-worker.js';
import { createBackgroundJobs } from './background/jobs.js';
import { Engine } from './engine/engine.js';
import { buildApp } from './http/app.js';
import { startAdminSocket } from './admin/socket.js';
import { chainSettings } from './audit/hash-chain.js';
import { configurationWarnings } from './config/hygiene.js';
import { createLogger, type Logger } from './log.js';
import { Metrics } from './metrics.js';

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  /** The outbox dispatcher of this process (absent when `worker.enabled` is off). */
  dispatcher?: Dispatcher;
  /** The port actually bound (differs from config when it asked for 0). */
  port: number;
  /** The queue worker of this process (absent when `worker.enabled` is off). */
  worker?: TransactionWorker;
  close(): Promise<void>;
}

export interface StartOptions {
  host?: string;
  logger?: Logger;
}

export function logStartWarnings(config: Config, logger: Logger): void {
  if (!config.server.secure) {
    logger.warn(
      'SECURITY: authentication is disabled (server.secure=false): every request acts with master authority. ' +
        'Set BLNK_SERVER_SECURE=true and BLNK_SERVER_SECRET_KEY for production.',
    );
  }
  for (const warning of configurationWarnings(config)) logger.warn(`SECURITY: ${warning}`);
  if (config.server.previous_secret_keys.length > 0) {
    logger.warn(
      { previous_master_keys: config.server.previous_secret_keys.length },
      'SECURITY: previous master keys are still accepted; remove them once kassa_master_key_uses_total{key="previous"} stops growing',
    );
  }
  if (config.tokenization_secret && Buffer.byteLength(config.tokenization_secret, 'utf8') !== 32) {
    logger.warn('tokenization_secret is not exactly 32 bytes: identity tokenization is disabled');
  }
  for (const key of config.ignored_keys) {
    logger.info({ config_key: key }, 'configuration key accepted and ignored: Kassa does not use it');
  }
}

export async function openMigratedDatabase(config: Config, logger?: Logger): Promise<Database> {
  const db = await openDatabase({
    url: config.data_source.dns || undefined,
    data_dir: config.data_source.data_dir,
    max_connections: config.data_source.max_open_conns,
    hash_chain: config.transaction.hash_chain_enabled,
  });
  try {
    await migrate(db, undefined, logger && ((fields, message) => logger.info(fields, message)));
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/**
 * Connections waiting to be accepted (the kernel caps it at net.core.somaxconn). Node's default of
 * 511 overflowed when hundreds of clients connected while a transaction held the event loop (the
 * embedded database runs on it): the kernel dropped their handshakes and they waited seconds for
 * TCP retransmissions.
 */
const LISTEN_BACKLOG = 4096;

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger();
  logStartWarnings(config, logger);
  const db = await openMigratedDatabase(config, logger);
  const metrics = new Metrics();
  const jobs = createBackgroundJobs(config, db, logger, { workers: config.worker.enabled, metrics });
  await jobs.start();
  let app: FastifyInstance;
  try {
    app = await buildApp(
      {
        config,
        db,
        metrics,
        engine: new Engine(db, config, jobs),
        background: jobs,
      },
      logger,
    );
    await app.listen({ port: config.server.port, host: options.host ?? '0.0.0.0', backlog: LISTEN_BACKLOG });
  } catch (error) {
    await jobs.stop();
    await db.close();
    throw error;
  }
  // The CLI's way in while this process holds the embedded data folder.
  const admin =
    db.kind === 'embedded' ? await startAdminSocket(config.data_source.data_dir, db, logger, chainSettings(config)) : undefined;
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  logger.info({ port, database: db.kind }, 'kassa listening');
  let closing: Promise<void> | undefined;
  return {
    app,
    db,
    dispatcher: jobs.dispatcher,
    port,
    worker: jobs.worker,
    close() {
      closing ??= (async () => {
        await app.close();
        await jobs.stop();
        await admin?.close();
        await db.close();
      })();
      return closing;
    },
  };
}
