import { readFileSync } from 'node:fs';
import path from 'node:path';

import ts from 'typescript';

import { repoRoot } from './kubernetes.js';

export interface TableRoute {
  method: string;
  /** As written in the table, e.g. /api/v1/auth/api-keys/{keyId}. */
  template: string;
  /** public, optional, authenticated or a permission. */
  access: string;
}

const file = path.join(repoRoot, 'gateway', 'src', 'domain', 'route-table.ts');

function text(node: ts.Node | undefined, what: string): string {
  if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) {
    return node.text;
  }
  throw new Error(`route-table.ts: expected a string literal for ${what}`);
}

/**
 * The entries of ROUTE_TABLE as written in gateway/src/domain/route-table.ts, read from its
 * source: the table is private to the gateway, and the test must not trust the document builder,
 * which asks the same table through resolveRoute().
 */
export function routeTableEntries(): TableRoute[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  let table: ts.ArrayLiteralExpression | undefined;
  const find = (node: ts.Node): void => {
    if (
      ts.isVariableDeclaration(node) &&
      ts.isIdentifier(node.name) &&
      node.name.text === 'ROUTE_TABLE' &&
      node.initializer &&
      ts.isArrayLiteralExpression(node.initializer)
    ) {
      table = node.initializer;
    }
    ts.forEachChild(node, find);
  };
  find(source);
  if (!table) throw new Error('route-table.ts: no ROUTE_TABLE array');

  return table.elements.flatMap((element) => {
    if (!ts.isCallExpression(element) || element.arguments.length !== 2) {
      throw new Error('route-table.ts: every ROUTE_TABLE entry must be route(template, methods)');
    }
    const [templateArg, methodsArg] = element.arguments;
    const template = text(templateArg, 'a route template');
    if (!methodsArg || !ts.isObjectLiteralExpression(methodsArg)) {
      throw new Error(`route-table.ts: ${template} needs an object of methods`);
    }
    return methodsArg.properties.map((property) => {
      if (!ts.isPropertyAssignment(property) || !ts.isCallExpression(property.initializer)) {
        throw new Error(
          `route-table.ts: ${template} has a method that is not METHOD: owner(access)`,
        );
      }
      const method = property.name.getText(source).replace(/['"]/g, '');
      return { method, template, access: text(property.initializer.arguments[0], template) };
    });
  });
}

/** Parameter names differ (the table's {keyId} is auth-service's {id}); positions must not. */
export const routeKey = (method: string, template: string): string =>
  `${method.toUpperCase()} ${template.replace(/\{[^}]+\}/g, '{}')}`;
