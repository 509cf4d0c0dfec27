// `GET /backup` on PostgreSQL: the real pg_dump, plain SQL, as Blnk runs it. The connection comes
// from the environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE), so no credential is ever
// on a command line that `ps` shows, nor in a log.
import { spawn } from 'node:child_process';
import { BackupError } from './errors.js';

/** The environment pg_dump connects with. Blnk's rule: the URL must name its port. */
export function pgDumpEnvironment(dns: string): { env: Record<string, string>; database: string } {
  let url: URL;
  try {
    url = new URL(dns);
  } catch {
    throw new BackupError('data_source.dns is not a URL');
  }
  if (url.port === '') throw new BackupError('data_source.dns must name its host and port (host:port)');
  const database = decodeURIComponent(url.pathname.slice(1));
  if (database === '') throw new BackupError('data_source.dns names no database');
  const env: Record<string, string> = {
    PGHOST: url.hostname.replace(/^\[|\]$/g, ''),
    PGPORT: url.port,
    PGUSER: decodeURIComponent(url.username),
    PGPASSWORD: decodeURIComponent(url.password),
    PGDATABASE: database,
  };
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return { env, database };
}

const STDERR_CHARS_MAX = 4000;

/** Runs pg_dump into `file`; its stderr is returned in the error (it carries no password). */
export function runPgDump(pg_dump_path: string, env: Record<string, string>, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(pg_dump_path, ['--no-password', '--file', file], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < STDERR_CHARS_MAX) stderr += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(new BackupError(error.code === 'ENOENT' ? `${pg_dump_path} was not found` : `${pg_dump_path} could not run`));
    });
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new BackupError(`pg_dump exited with code ${code}`, stderr.trim().slice(0, STDERR_CHARS_MAX)));
    });
  });
}
