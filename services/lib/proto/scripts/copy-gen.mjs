// tsc does not copy the generated .js/.d.ts pairs of src/gen/ into dist/: this does, after
// `tsc -p tsconfig.build.json`, so dist/index.js can import ./gen/*.js.
import { cp, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(packageDir, 'src/gen');
const to = join(packageDir, 'dist/gen');
await rm(to, { recursive: true, force: true });
await cp(from, to, { recursive: true, filter: (src) => !src.endsWith('.map') });
