// `npm run config-docs`: writes the README's configuration table and .env.example from the
// services' config schemas. `npm run config-docs -- --check`: exits 1 when either is stale.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { generatedDocs } from './config-docs/generate.js';

/* eslint-disable security/detect-non-literal-fs-filename -- the files generate.ts names */

const root = path.join(import.meta.dirname, '..');
const files = await generatedDocs(root);
const check = process.argv.includes('--check');

let stale = false;
for (const [file, text] of files) {
  const target = path.join(root, file);
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current === text) {
    process.stdout.write(`${file} is up to date\n`);
  } else if (check) {
    process.stderr.write(`${file} is stale: run \`npm run config-docs\` and commit it\n`);
    stale = true;
  } else {
    writeFileSync(target, text);
    process.stdout.write(`wrote ${file}\n`);
  }
}
if (stale) process.exit(1);
