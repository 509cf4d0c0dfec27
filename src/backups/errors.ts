/** Why a backup failed, in words safe to answer with: no password, key or secret. */
export class BackupError extends Error {
  override name = 'BackupError';
  constructor(
    readonly reason: string,
    /** The tool's own report (pg_dump's stderr), for the log only. */
    readonly output?: string,
  ) {
    super(reason);
  }
}
