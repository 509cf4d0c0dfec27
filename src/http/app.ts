// The Fastify app. Plugins in the order they act on a request, then one routes file per resource.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { AuditLog } from '../audit/audit-log.js';
import { ApiKeyStore } from '../auth/api-keys.js';
import type { Logger } from '../log.js';
import type { AppContext } from './context.js';
import { KASSA_VERSION } from '../version.js';
import { registerOpenApi } from './openapi/plugin.js';
import { registerAccessLog } from './plugins/access-log.js';
import { registerAuth } from './plugins/auth.js';
import { registerCors } from './plugins/cors.js';
import { clientErrorHandler, frameworkErrors, registerErrorEnvelope } from './plugins/errors.js';
import { registerJsonBody } from './plugins/json-body.js';
import { registerRateLimit } from './plugins/rate-limit.js';
import { registerRequestId, REQUEST_ID_LOG_LABEL, requestId } from './plugins/request-id.js';
import { registerRequestMetrics } from './plugins/request-metrics.js';
import { registerSecurityHeaders } from './plugins/security-headers.js';
import { registerServerMeta } from './plugins/server-meta.js';
import { registerAccountRoutes } from './routes/accounts.js';
import { registerApiKeyRoutes } from './routes/api-keys.js';
import { registerAuditRoutes } from './routes/audit-events.js';
import { registerHashChainRoutes } from './routes/hash-chain.js';
import { registerBackupRoutes } from './routes/backups.js';
import { registerBalanceMonitorRoutes } from './routes/balance-monitors.js';
import { registerBalanceHistoryRoutes } from './routes/balance-history.js';
import { registerBalanceRoutes } from './routes/balances.js';
import { registerBulkRoutes } from './routes/bulk.js';
import { registerHookRoutes } from './routes/hooks.js';
import { registerIdentityRoutes } from './routes/identities.js';
import { registerInflightRoutes } from './routes/inflight.js';
import { registerLedgerRoutes } from './routes/ledgers.js';
import { registerMetricsRoute } from './routes/metrics.js';
import { registerMetadataRoutes } from './routes/metadata.js';
import { registerRefundRoutes } from './routes/refunds.js';
import { registerReconciliationUploadRoute } from './routes/reconciliation-upload.js';
import { registerReconciliationRoutes } from './routes/reconciliation.js';
import { registerSearchRoutes } from './routes/search.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerTransactionRoutes } from './routes/transactions.js';
import { registerTransactionListRoutes } from './routes/transaction-lists.js';

const BYTES_PER_MB = 1024 * 1024;

export async function buildApp(ctx: AppContext, logger: Logger): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Our own access log replaces Fastify's request logging (no headers, no query strings).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: REQUEST_ID_LOG_LABEL }),
    bodyLimit: ctx.config.server.max_request_body_size_mb * BYTES_PER_MB,
    // References in paths can be long; Blnk does not redirect trailing slashes for us to copy.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    return503OnClosing: true,
    genReqId: requestId,
    frameworkErrors,
    clientErrorHandler,
  });
  const { metrics } = ctx;
  const apiKeys = new ApiKeyStore(ctx.db, logger);
  const audit = new AuditLog(ctx.db, logger, ctx.config.audit.retention_ms);
  app.addHook('onClose', () => Promise.all([apiKeys.close(), audit.close()]).then(() => undefined));
  registerRequestId(app);
  registerAccessLog(app);
  registerRequestMetrics(app, metrics);
  registerErrorEnvelope(app);
  registerJsonBody(app);
  // Blnk's order: body limit (Fastify's bodyLimit above), rate limit, security headers, auth. The
  // security headers are set first so that 429 answers carry them too (blnk-contract.md auth §9.1); the rate
  // limit is taken inside auth, which knows whose bucket a request draws from.
  registerSecurityHeaders(app);
  registerCors(app, ctx.config.server.cors_origins);
  const limiter = registerRateLimit(app, ctx.config.rate_limit, metrics);
  registerServerMeta(app);
  registerAuth(app, { config: ctx.config, db: ctx.db, apiKeys, metrics, limiter, audit });
  // Before the routes: @fastify/swagger learns of each route as it is added.
  await registerOpenApi(app, KASSA_VERSION);

  registerSystemRoutes(app, ctx);
  registerLedgerRoutes(app, ctx);
  registerBalanceRoutes(app, ctx);
  registerBalanceMonitorRoutes(app, ctx);
  registerHookRoutes(app, ctx);
  registerIdentityRoutes(app, ctx);
  registerAccountRoutes(app, ctx);
  registerBackupRoutes(app, ctx);
  registerTransactionRoutes(app, ctx);
  registerTransactionListRoutes(app, ctx);
  registerBulkRoutes(app, ctx);
  registerApiKeyRoutes(app, ctx, apiKeys);
  registerAuditRoutes(app, audit);
  registerHashChainRoutes(app, ctx);
  registerSearchRoutes(app, ctx);
  registerReconciliationUploadRoute(app, ctx);
  registerReconciliationRoutes(app, ctx);
  if (ctx.config.enable_observability) registerMetricsRoute(app, ctx.config, metrics, () => metrics.readDatabase(ctx.db));
  registerMetadataRoutes(app, ctx);
  registerBalanceHistoryRoutes(app, ctx);
  registerInflightRoutes(app, ctx);
  registerRefundRoutes(app, ctx);
  return app;
}
