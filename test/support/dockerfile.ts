export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/**
 * Enough of the Dockerfile grammar for the checks: comments and parser directives dropped, line
 * continuations joined, instructions grouped by FROM into stages. Heredocs are refused rather than
 * misread.
 */
export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.includes('<<') && /^(RUN|COPY|ADD)\b/i.test(pending || line)) {
      throw new Error(`heredocs are not supported by this parser: ${line}`);
    }
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  if (pending !== '') logical.push(pending.trim());

  const stages: Stage[] = [];
  for (const line of logical.filter((l) => l !== '')) {
    const space = line.search(/\s/);
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const args = space < 0 ? '' : line.slice(space + 1).trim();
    if (keyword === 'FROM') {
      const words = args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const as = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({
        image: words[0] ?? '',
        name: as >= 0 ? words[as + 1] : undefined,
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${keyword} before the first FROM`);
    stage.instructions.push({ keyword, args });
  }
  return stages;
}

/** `KEY=value KEY2=value2` (the ENV/ARG form used here; quotes are not needed and not handled). */
export function keyValues(args: string): Map<string, string> {
  return new Map(
    args
      .split(/\s+/)
      .filter((pair) => pair.includes('='))
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}

/** The exec form `["node", "x.js"]` of CMD/ENTRYPOINT/HEALTHCHECK CMD. */
export function execForm(args: string): string[] | undefined {
  const start = args.indexOf('[');
  if (start < 0) return undefined;
  const parsed: unknown = JSON.parse(args.slice(start));
  return Array.isArray(parsed) && parsed.every((p) => typeof p === 'string') ? parsed : undefined;
}
