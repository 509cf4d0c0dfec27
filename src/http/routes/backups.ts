import type { FastifyInstance, FastifyBaseLogger } from 'fastify';
import { Backups } from '../../backups/backup.js';
import { BackupError } from '../../backups/errors.js';
import { ApiError } from '../../errors.js';
import type { AppContext } from '../context.js';
import { auditActor, recordAudit } from '../../audit/audit-log.js';
import { described } from '../openapi/route-schema.js';
import { string } from '../openapi/components.js';

const FAILED_MESSAGE = 'error creating backup';

/** Blnk's nested legacy shape (§11.1): `error` is an object, `error_detail` names ADMIN_BACKUP_FAILED. */
function backupFailed(error: unknown, log: FastifyBaseLogger): ApiError {
  const reason = error instanceof BackupError ? error.reason : 'unexpected failure';
  log.warn(
    {
      reason,
      output: error instanceof BackupError ? error.output : undefined,
      err: error instanceof BackupError ? undefined : error,
    },
    'backup failed',
  );
  return new ApiError('ADMIN_BACKUP_FAILED', FAILED_MESSAGE, {
    details: { reason },
    legacyValue: { code: 'INTERNAL_SERVER_ERROR', message: FAILED_MESSAGE, details: {} },
  });
}

export function registerBackupRoutes(app: FastifyInstance, ctx: AppContext): void {
  const backups = new Backups(ctx.db, ctx.config);

  for (const [path, run] of [
    ['/backup', () => backups.toDisk()],
    ['/backup-s3', () => backups.toS3()],
  ] as const) {
    const doc = described({
      tags: ['Backups'],
      summary: path === '/backup' ? 'Dump the database to backup_dir' : 'Dump the database and upload it to S3',
      answers: { 200: string('"backup successful"') },
      errors: ['ADMIN_BACKUP_FAILED', 'GEN_CONFLICT', 'GEN_BAD_REQUEST'],
    });
    app.get(path, doc, async (request, reply) => {
      const destination = path === '/backup' ? 'disk' : 's3';
      try {
        await run();
      } catch (error) {
        await recordAudit(ctx.db, auditActor(request), 'backup.created', { destination }, 'failed').catch(() => undefined);
        if (error instanceof ApiError) throw error;
        throw backupFailed(error, request.log);
      }
      await recordAudit(ctx.db, auditActor(request), 'backup.created', { destination });
      // Blnk answers the JSON string
      return reply.type('application/json; charset=utf-8').send('"backup successful"');
    });
  }
}
