// Writes docs/openapi.json from the built app (run by `npm run build`), so the description can be
// read in the repository; test/api/openapi.test.ts fails when it differs from what a server serves.
// The app is built with /metrics on (as its test does) and a database that is never reached.
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../dist/config/config.js';
import { buildApp } from '../dist/http/app.js';
import { createLogger } from '../dist/log.js';
import { Metrics } from '../dist/metrics.js';
import { Engine } from '../dist/engine/engine.js';

const unreachable = () => {
  throw new Error('writing the OpenAPI description needs no database');
};
const db = { kind: 'embedded', query: unreachable, exec: unreachable, transaction: unreachable, close: async () => {} };
const config = loadConfig({ path: null, env: { BLNK_ENABLE_OBSERVABILITY: 'true' } });
const background = { stored: () => {} };
const engine = new Engine(db, config, background);
const app = await buildApp({ config, db, metrics: new Metrics(), engine, background }, createLogger('silent'));
await app.ready();
writeFileSync('docs/openapi.json', JSON.stringify(app.swagger(), null, 2) + '\n');
await app.close();
