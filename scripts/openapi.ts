// `npm run openapi`: writes docs/openapi.json from the services' zod schemas and the gateway's
// route table, and the route table of README.md from the same.
// `npm run openapi -- --check`: exits 1 when a committed file is stale.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import prettier from 'prettier';

import { openApiJson } from './openapi/document.js';
import { readmeWithRouteTable } from './openapi/readme.js';

process.chdir(path.join(import.meta.dirname, '..'));
const read = (file: string) =>
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- DOCUMENT or README
  existsSync(file) ? readFileSync(file, 'utf8') : '';

const DOCUMENT = 'docs/openapi.json';
const README = 'README.md';
const generated = new Map([
  [
    DOCUMENT,
    await prettier.format(openApiJson(), {
      ...(await prettier.resolveConfig(DOCUMENT)),
      filepath: DOCUMENT,
    }),
  ],
  [README, await readmeWithRouteTable(read(README), README)],
]);

const check = process.argv.includes('--check');
let stale = false;
for (const [file, text] of generated) {
  if (!check) {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- DOCUMENT or README
    writeFileSync(file, text);
    process.stdout.write(`wrote ${file}\n`);
  } else if (read(file) !== text) {
    process.stderr.write(`${file} is stale: run \`npm run openapi\` and commit it\n`);
    stale = true;
  } else {
    process.stdout.write(`${file} is up to date\n`);
  }
}
if (stale) process.exit(1);
