// `npm run build`: initdb once, into dist/db/pgdata-template, which a first embedded start copies
// instead of running PGlite's initdb (src/db/embedded.ts). Skipped when made by this PGlite version.
import { writePgdataTemplate } from '../dist/db/embedded.js';

await writePgdataTemplate();
