// Kassa's version, from its package.json (one folder up from both src/ and dist/).
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const KASSA_VERSION = manifest.version;
