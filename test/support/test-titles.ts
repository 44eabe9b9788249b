import { readFileSync } from 'node:fs';

import ts from 'typescript';

export interface TestTitle {
  /** The `it(...)`/`test(...)` title as written; for `it.each(...)(title)`, the title template. */
  title: string;
  /** The enclosing `describe(...)` titles, outermost first. */
  describes: string[];
}

const TEST_CALL = /^(describe|it|test)$/;

/** `it`, `it.only`, `it.each(table)`, `describe.skip`... → 'it' / 'describe', else undefined. */
function kindOf(callee: ts.Expression): 'describe' | 'test' | undefined {
  let base: ts.Expression = callee;
  if (ts.isCallExpression(base)) base = base.expression; // it.each(table)(title, fn)
  if (ts.isPropertyAccessExpression(base)) base = base.expression; // it.only / it.each
  if (!ts.isIdentifier(base) || !TEST_CALL.test(base.text)) return undefined;
  return base.text === 'describe' ? 'describe' : 'test';
}

function literal(node: ts.Node | undefined): string | undefined {
  return node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
    ? node.text
    : undefined;
}

/**
 * Every test in a jest file with a literal title, with the describes around it, read from the
 * syntax tree (so a title in a comment or a string elsewhere does not count).
 */
export function testTitles(file: string): TestTitle[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const found: TestTitle[] = [];
  const visit = (node: ts.Node, describes: string[]): void => {
    if (ts.isCallExpression(node)) {
      const kind = kindOf(node.expression);
      if (kind) {
        const title = literal(node.arguments[0]);
        if (kind === 'test' && title !== undefined) found.push({ title, describes });
        const inner = kind === 'describe' ? [...describes, title ?? '<computed title>'] : describes;
        for (const argument of node.arguments.slice(1)) visit(argument, inner);
        return;
      }
    }
    ts.forEachChild(node, (child) => {
      visit(child, describes);
    });
  };
  visit(source, []);
  return found;
}

/** True when `describes` appear, in this order, among the test's enclosing describes. */
export function isUnder(test: TestTitle, describes: string[]): boolean {
  let from = 0;
  for (const wanted of describes) {
    const at = test.describes.indexOf(wanted, from);
    if (at < 0) return false;
    from = at + 1;
  }
  return true;
}
