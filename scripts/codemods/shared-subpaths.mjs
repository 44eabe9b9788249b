// One-off: rewrites `import/export ... from '@secure-api/shared'` into the subpath entry points
// (`@secure-api/shared/http`, `/auth`, ...) that export each name. Delete once no code imports the
// root entry point.
//   node scripts/codemods/shared-subpaths.mjs auth-service gateway/test/e2e
//   npx prettier --write $(git diff --name-only)
/* eslint-disable security/detect-non-literal-fs-filename -- a developer's tool over the repository's own files */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import ts from 'typescript';

const repo = path.dirname(path.dirname(import.meta.dirname));
const { exports } = JSON.parse(readFileSync(path.join(repo, 'shared/package.json'), 'utf8'));
const subpaths = Object.keys(exports)
  .filter((key) => key !== '.' && key !== './testing')
  .map((key) => key.slice(2));

// Which subpath exports each name, read from every shared/src/<subpath>/index.ts.
const entries = subpaths.map((subpath) => path.join(repo, 'shared/src', subpath, 'index.ts'));
const program = ts.createProgram(entries, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  noEmit: true,
  skipLibCheck: true,
});
const checker = program.getTypeChecker();
const owner = new Map();
for (const subpath of subpaths) {
  const entry = path.join(repo, 'shared/src', subpath, 'index.ts');
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry));
  for (const symbol of checker.getExportsOfModule(module)) {
    const name = symbol.getName();
    if (owner.has(name))
      throw new Error(`${name} is exported by ${owner.get(name)} and ${subpath}`);
    owner.set(name, subpath);
  }
}

const files = [];
const walk = (file) => {
  if (['node_modules', 'dist'].includes(path.basename(file))) return;
  if (statSync(file).isDirectory()) readdirSync(file).forEach((f) => walk(path.join(file, f)));
  else if (/\.(ts|mjs)$/.test(file)) files.push(file);
};
process.argv.slice(2).forEach((arg) => walk(path.resolve(arg)));

/** The statements replacing one import/export of the root, one per subpath. */
function rewrite(statement, file) {
  const isImport = ts.isImportDeclaration(statement);
  const clause = isImport ? statement.importClause : statement;
  const named = isImport ? clause?.namedBindings : statement.exportClause;
  if (!clause || clause.name || !named || !(ts.isNamedImports(named) || ts.isNamedExports(named))) {
    throw new Error(`${file}: rewrite by hand: ${statement.getText()}`);
  }
  const groups = new Map();
  for (const element of named.elements) {
    const name = (element.propertyName ?? element.name).text;
    const subpath = owner.get(name);
    if (!subpath) throw new Error(`${file}: no subpath exports ${name}`);
    groups.set(subpath, [...(groups.get(subpath) ?? []), element.getText()]);
  }
  return [...groups.keys()].sort().map((subpath) => {
    let names = groups.get(subpath);
    let typeOnly = clause.isTypeOnly;
    // `{ type A, type B }` alone reads as `import type { A, B }`.
    if (!typeOnly && names.every((n) => n.startsWith('type '))) {
      names = names.map((n) => n.slice('type '.length));
      typeOnly = true;
    }
    const keyword = isImport ? 'import' : 'export';
    return `${keyword} ${typeOnly ? 'type ' : ''}{ ${names.join(', ')} } from '@secure-api/shared/${subpath}';`;
  });
}

for (const file of files) {
  const text = readFileSync(file, 'utf8');
  if (!text.includes("'@secure-api/shared'")) continue;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edits = source.statements
    .filter((s) => ts.isImportDeclaration(s) || ts.isExportDeclaration(s))
    .filter((s) => s.moduleSpecifier?.text === '@secure-api/shared')
    .map((s) => ({ start: s.getStart(), end: s.getEnd(), text: rewrite(s, file).join('\n') }));
  let out = text;
  for (const edit of edits.reverse())
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  if (out !== text) {
    writeFileSync(file, out);
    console.log(path.relative(repo, file));
  }
}
