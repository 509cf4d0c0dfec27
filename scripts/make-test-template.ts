// Builds the migrated embedded data folder that test servers copy (copying is ~10x faster than
// creating a fresh PGlite database for each server).
import { buildEmbeddedTemplate } from '../test/support/database.js';

await buildEmbeddedTemplate(process.argv[2]);
