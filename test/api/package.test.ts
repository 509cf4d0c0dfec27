// `npm pack` makes a package that installs in an empty folder, runs `kassa start`, and can be imported
// with its type declarations. Packed from a copy of the sources, so the build it runs (prepack) never
// writes into this working tree while other tests read it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TEST_DATABASE_URL } from '../support/database.js';

const ROOT = resolve('.');
const START_TIMEOUT_MS = 60_000;

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' },
  });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}: ${result.stderr}`);
  return result;
}

// Once per CI run: the package starts on the embedded database whichever database the suite uses.
test(
  'the packed package installs, imports with types, and starts',
  { timeout: 240_000, skip: TEST_DATABASE_URL !== '' && 'run with the embedded suite' },
  async () => {
    const work = mkdtempSync(join(tmpdir(), 'kassa-pack-'));
    try {
      const source = join(work, 'source');
      mkdirSync(join(source, 'docs'), { recursive: true });
      for (const entry of [
        'src',
        'scripts',
        'package.json',
        'package-lock.json',
        'tsconfig.json',
        'tsconfig.build.json',
        'README.md',
      ]) {
        cpSync(join(ROOT, entry), join(source, entry), { recursive: true });
      }
      symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
      const out = join(work, 'out');
      mkdirSync(out);
      const packed = run('npm', ['pack', '--pack-destination', out], source);
      assert.doesNotMatch(packed.stderr, /EBADENGINE/);
      const [tarball] = readdirSync(out);
      assert.match(tarball, /^kassa-.+\.tgz$/);

      const app = join(work, 'app');
      mkdirSync(app);
      run('npm', ['init', '-y'], app);
      const installed = run('npm', ['install', '--prefer-offline', join(out, tarball)], app);
      assert.doesNotMatch(installed.stderr, /EBADENGINE/, 'no engine warning');
      assert.ok(existsSync(join(app, 'node_modules/kassa/dist/index.d.ts')), 'type declarations are shipped');
      const imported = run(
        process.execPath,
        ['--input-type=module', '-e', "import { verifyKassaSignature } from 'kassa'; console.log(typeof verifyKassaSignature)"],
        app,
      );
      assert.equal(imported.stdout.trim(), 'function');

      const child = spawn(join(app, 'node_modules/.bin/kassa'), ['start'], {
        cwd: app,
        env: { ...process.env, BLNK_SERVER_PORT: '0', KASSA_LOG_FORMAT: 'json' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const exited = new Promise<number | null>((done) => child.once('exit', done));
      try {
        const port = await new Promise<number>((done, fail) => {
          const timer = setTimeout(() => fail(new Error(`kassa did not start:\n${output}`)), START_TIMEOUT_MS);
          child.stdout.on('data', () => {
            const match = /"port":(\d+),"database":"embedded"/.exec(output);
            if (match) {
              clearTimeout(timer);
              done(Number(match[1]));
            }
          });
        });
        const health = await fetch(`http://127.0.0.1:${port}/health`);
        assert.equal(health.status, 200);
        assert.ok(existsSync(join(app, '.kassa')), 'the embedded database lives in the folder it was started in');
      } finally {
        child.kill('SIGTERM');
      }
      assert.equal(await exited, 0, output);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);
