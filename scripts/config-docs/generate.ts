import { readFileSync } from 'node:fs';
import path from 'node:path';

import prettier from 'prettier';

import { envExample, readmeTable, spliceReadme } from './render.js';
import { documentedVariables } from './variables.js';

/** What `npm run config-docs` writes: each file's whole text, the README formatted as prettier would. */
export async function generatedDocs(root: string): Promise<Map<string, string>> {
  const variables = documentedVariables();
  const readmePath = path.join(root, 'README.md');
  const options = { ...(await prettier.resolveConfig(readmePath)), filepath: readmePath };
  const table = await prettier.format(readmeTable(variables), options);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the repository's README
  const readme = readFileSync(readmePath, 'utf8');
  return new Map([
    ['README.md', spliceReadme(readme, table)],
    ['.env.example', envExample(variables)],
  ]);
}
