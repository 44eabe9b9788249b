// Generates the secrets a deployment needs, printed to stdout so they never land in the repository:
//   node scripts/generate-secrets.mjs compose          a complete .env.compose for docker-compose.yml
//   node scripts/generate-secrets.mjs jwt-keys         JWT_PRIVATE_KEYS: a JSON array with one new key
//   node scripts/generate-secrets.mjs rotate-jwt-keys  reads the current array on stdin, appends a key
//   node scripts/generate-secrets.mjs audit-keys       AUDIT_SIGNING_KEYS: a JSON array with one new key
//   node scripts/generate-secrets.mjs rotate-audit-keys  likewise, for audit-service's checkpoint keys
//   node scripts/generate-secrets.mjs totp-key         TOTP_ENCRYPTION_KEY: 32 random bytes, base64
//   node scripts/generate-secrets.mjs password         a random password (hex, safe inside a URL)
// Only Node built-ins: it runs before `npm ci`, and on an operator's machine.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A private Ed25519 JWK: the format of JWT_PRIVATE_KEYS and of AUDIT_SIGNING_KEYS. */
function newJwk() {
  const { privateKey } = generateKeyPairSync('ed25519');
  const { kty, crv, x, d } = privateKey.export({ format: 'jwk' });
  return { kty, crv, x, d };
}

const password = () => randomBytes(24).toString('hex');
const totpKey = () => randomBytes(32).toString('base64');

function rotate(current, command) {
  let keys;
  try {
    keys = JSON.parse(current);
  } catch {
    throw new Error(`${command}: stdin is not a JSON array of JWKs`);
  }
  if (!Array.isArray(keys)) throw new Error(`${command}: stdin is not a JSON array of JWKs`);
  // Oldest first: the appended key signs, the older ones keep verifying until dropped.
  return JSON.stringify([...keys, newJwk()]);
}

// Unquoted values: both docker compose and `kubectl create secret --from-env-file` read them as
// they are (JSON, hex and base64 hold no `#`, `$` or quotes at the start).
function composeEnv() {
  return [
    `# Secrets for docker-compose.yml, generated ${new Date().toISOString()}.`,
    '# Git ignores .env.* files; keep this one private (chmod 600) and never commit it.',
    `POSTGRES_PASSWORD=${password()}`,
    `REDIS_PASSWORD=${password()}`,
    '# The broker administrator, then one broker user per service (deploy/rabbitmq/provision-users.sh).',
    `RABBITMQ_PASSWORD=${password()}`,
    `RABBITMQ_AUTH_SERVICE_PASSWORD=${password()}`,
    `RABBITMQ_USER_SERVICE_PASSWORD=${password()}`,
    `RABBITMQ_GATEWAY_PASSWORD=${password()}`,
    `RABBITMQ_AUDIT_SERVICE_PASSWORD=${password()}`,
    `JWT_PRIVATE_KEYS=${JSON.stringify([newJwk()])}`,
    `TOTP_ENCRYPTION_KEY=${totpKey()}`,
    `AUDIT_SIGNING_KEYS=${JSON.stringify([newJwk()])}`,
    '',
  ].join('\n');
}

const commands = new Map([
  ['compose', composeEnv],
  ['jwt-keys', () => `${JSON.stringify([newJwk()])}\n`],
  ['rotate-jwt-keys', () => `${rotate(readFileSync(0, 'utf8'), 'rotate-jwt-keys')}\n`],
  ['audit-keys', () => `${JSON.stringify([newJwk()])}\n`],
  ['rotate-audit-keys', () => `${rotate(readFileSync(0, 'utf8'), 'rotate-audit-keys')}\n`],
  ['totp-key', () => `${totpKey()}\n`],
  ['password', () => `${password()}\n`],
]);

const command = commands.get(process.argv[2] ?? '');
if (!command) {
  process.stderr.write(
    `usage: node scripts/generate-secrets.mjs ${[...commands.keys()].join(' | ')}\n`,
  );
  process.exit(2);
}
try {
  process.stdout.write(command());
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
