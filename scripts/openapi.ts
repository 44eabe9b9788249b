// `npm run openapi`: writes docs/openapi.json from the services' zod schemas.
// `npm run openapi -- --check`: exits 1 when the committed file is stale.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import prettier from 'prettier';

import { openApiJson } from './openapi/document.js';

process.chdir(path.join(import.meta.dirname, '..'));
const options = {
  ...(await prettier.resolveConfig('docs/openapi.json')),
  filepath: 'docs/openapi.json',
};
const text = await prettier.format(openApiJson(), options);

if (process.argv.includes('--check')) {
  const current = existsSync('docs/openapi.json') ? readFileSync('docs/openapi.json', 'utf8') : '';
  if (current !== text) {
    process.stderr.write('docs/openapi.json is stale: run `npm run openapi` and commit it\n');
    process.exit(1);
  }
  process.stdout.write('docs/openapi.json is up to date\n');
} else {
  writeFileSync('docs/openapi.json', text);
  process.stdout.write('wrote docs/openapi.json\n');
}
