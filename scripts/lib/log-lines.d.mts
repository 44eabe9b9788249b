// Types for the tests that import log-lines.mjs.
import type { Readable } from 'node:stream';

export interface LogSource {
  name: string;
  colour: number;
  /** false: every line shown exactly as written. */
  condense?: boolean;
}

export function condense(line: string, colour: boolean): string[];
export function pipeLines(
  stream: Readable,
  destination: { isTTY?: boolean; write(text: string): unknown },
  child: LogSource,
  nameWidth: number,
): void;
