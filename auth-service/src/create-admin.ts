import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';

import { runCreateAdmin } from './api/create-admin.js';
import { readConfig } from './config.js';

// `npm run create-admin -- --email a@b.c [--username name]`; the password comes from stdin (piped)
// or a prompt, never from the command line where it would land in shell history.
const { values } = parseArgs({
  options: { email: { type: 'string' }, username: { type: 'string' } },
});
if (!values.email) {
  process.stderr.write(
    'usage: npm run create-admin -- --email admin@example.com [--username admin]\n',
  );
  process.exit(2);
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').split('\n')[0] ?? '';
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  // Echo nothing while the password is typed.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  process.stdout.write('Password: ');
  const password = await rl.question('');
  rl.close();
  process.stdout.write('\n');
  return password;
}

const result = await runCreateAdmin(readConfig(), {
  email: values.email,
  username: values.username,
  password: await readPassword(),
});
process.stdout.write(`${result}\n`);
process.exit(result.startsWith('created') ? 0 : 1);
