// The Fastify app. Plugins in the order they act on a request, then one routes file per resource.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../log.js';
import type { AppContext } from './context.js';
import { registerAccessLog } from './plugins/access-log.js';
import { registerErrorEnvelope } from './plugins/errors.js';
import { registerJsonBody } from './plugins/json-body.js';
import { registerSecurityHeaders } from './plugins/security-headers.js';
import { registerBalanceRoutes } from './routes/balances.js';
import { registerHookRoutes } from './routes/hooks.js';
import { registerIdentityRoutes } from './routes/identities.js';
import { registerLedgerRoutes } from './routes/ledgers.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerTransactionRoutes } from './routes/transactions.js';

const BYTES_PER_MB = 1024 * 1024;

export function buildApp(ctx: AppContext, logger: Logger): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Our own access log replaces Fastify's request logging (no headers, no query strings).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.config.server.max_request_body_size_mb * BYTES_PER_MB,
    // References in paths can be long; Blnk does not redirect trailing slashes for us to copy.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    return503OnClosing: true,
  });
  registerAccessLog(app);
  registerSecurityHeaders(app);
  registerErrorEnvelope(app);
  registerJsonBody(app);

  registerSystemRoutes(app, ctx);
  registerLedgerRoutes(app, ctx);
  registerBalanceRoutes(app, ctx);
  registerHookRoutes(app, ctx);
  registerIdentityRoutes(app, ctx);
  registerTransactionRoutes(app, ctx);
  return app;
}
