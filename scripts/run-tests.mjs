// Runs every test file under test/ with Node's test runner, TypeScript through tsx.
// Node 20's runner does not expand globs, so the files are listed here. On the embedded database a
// migrated template data folder is built once and copied by each test server.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : testFiles('test').sort();
const env = { ...process.env };
let template;
if (!env.KASSA_TEST_DATABASE_URL) {
  template = mkdtempSync(join(tmpdir(), 'kassa-template-'));
  const built = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/make-test-template.ts', template], {
    stdio: 'inherit',
  });
  if (built.status !== 0) process.exit(built.status ?? 1);
  env.KASSA_TEST_TEMPLATE_DIR = template;
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env },
);
if (template) rmSync(template, { recursive: true, force: true });
process.exit(result.status ?? 1);
