// tsc compiles TypeScript only; the SQL migrations travel to dist/ beside the code that reads them.
// Copied afresh, so that a migration renamed or removed in src/ is not left behind to be applied.
import { cpSync, rmSync } from 'node:fs';
rmSync('dist/db/migrations', { recursive: true, force: true });
cpSync('src/db/migrations', 'dist/db/migrations', { recursive: true });
