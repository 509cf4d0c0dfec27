// `npm start` builds only when a source changed since the last build (tsc takes 5-10 s): it compares
// the newest file under the build's inputs with the stamp the last successful build left in dist/.
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const INPUTS = ['src', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
const STAMP = 'dist/.build-stamp';

function newestMtimeMs(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtimeMs(join(path, name))));
}

const built_ms = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
if (Math.max(...INPUTS.map(newestMtimeMs)) > built_ms) {
  // The stamp carries the time the build started: a source saved during the build is newer than it.
  const started = new Date();
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  writeFileSync(STAMP, `${started.toISOString()}\n`);
  utimesSync(STAMP, started, started);
}
