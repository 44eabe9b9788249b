import prettier from 'prettier';

import { documentedRoutes, type DocumentedRoute } from './routes.js';

// The README's API table sits between these lines; `npm run openapi` rewrites what is between.
const START = '<!-- routes: written by `npm run openapi` from the route table; do not edit -->';
const END = '<!-- /routes -->';

function who({ access, op }: DocumentedRoute): string {
  if (access === undefined || access === 'public') {
    return op.refreshCookie === 'required' ? 'refresh cookie' : 'anyone';
  }
  if (access === 'optional') return 'refresh cookie and/or bearer';
  if (access !== 'authenticated') return access;
  return op.personOnly ? 'bearer (a person)' : 'bearer';
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function table(): string {
  const rows = documentedRoutes().map((route) => {
    const { summary, description } = route.op;
    return [
      `\`${route.method.toUpperCase()} ${route.path}\``,
      route.owner,
      who(route),
      [`${summary}.`, description].filter(Boolean).join(' '),
    ];
  });
  return [['method, path', 'owner', 'who', 'what'], ['-', '-', '-', '-'], ...rows]
    .map((row) => `| ${row.map(cell).join(' | ')} |`)
    .join('\n');
}

/** The README with its route table regenerated, formatted as the repository formats Markdown. */
export async function readmeWithRouteTable(readme: string, filepath: string): Promise<string> {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md: no "${START}" ... "${END}" block`);
  const text = `${readme.slice(0, start)}${START}\n\n${table()}\n\n${readme.slice(end)}`;
  return prettier.format(text, { ...(await prettier.resolveConfig(filepath)), filepath });
}
