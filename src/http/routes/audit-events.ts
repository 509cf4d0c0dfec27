// GET /audit-events (Kassa's own): the audit log, newest first, for the master key and for API keys
// with `audit:read`. A key reads the rows of its own owner only.
import type { FastifyInstance } from 'fastify';
import { parseAuditQuery } from '../../audit/audit-query.js';
import type { AuditLog } from '../../audit/audit-log.js';
import { arrayOf, string, time } from '../openapi/components.js';
import { described } from '../openapi/route-schema.js';

export function registerAuditRoutes(app: FastifyInstance, audit: AuditLog): void {
  app.get(
    '/audit-events',
    described({
      tags: ['Security'],
      summary: 'Read the audit log, newest first (Kassa; master key or audit:read)',
      query: {
        action: string(),
        actor: string('master, an API key id, anonymous or cli'),
        owner: string(),
        from: time('inclusive'),
        to: time('exclusive'),
        limit: { type: 'integer', minimum: 1 },
        offset: { type: 'integer', minimum: 0 },
      },
      answers: { 200: arrayOf('AuditEvent') },
      errors: ['AUDIT_INVALID_QUERY', 'GEN_VALIDATION_ERROR', 'AUTH_CROSS_OWNER_ACCESS'],
    }),
    async (request) => audit.list(parseAuditQuery(request.principal, request.query as Record<string, unknown>)),
  );
}
