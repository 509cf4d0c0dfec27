// tsc compiles TypeScript only; the SQL migrations travel to dist/ beside the code that reads them.
import { cpSync } from 'node:fs';
cpSync('src/db/migrations', 'dist/db/migrations', { recursive: true });
