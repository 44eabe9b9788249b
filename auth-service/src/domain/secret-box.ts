import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * AES-256-GCM for secrets at rest (TOTP seeds). The owner's id is authenticated data, so a
 * ciphertext copied onto another account does not decrypt. Also keys the HMAC of backup codes.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(keyBase64: string) {
    this.key = Buffer.from(keyBase64, 'base64');
    if (this.key.length !== 32) throw new Error('TOTP_ENCRYPTION_KEY must be 32 bytes');
  }

  seal(plaintext: string, owner: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(owner));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string, owner: string): string {
    const [version, payload = ''] = sealed.split(':');
    if (version !== VERSION) throw new Error('unknown secret format');
    const raw = Buffer.from(payload, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(owner));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  /** Keyed hash: a leaked table of backup-code hashes cannot be brute-forced offline. */
  mac(value: string): string {
    return createHmac('sha256', this.key).update(value).digest('hex');
  }

  /**
   * An independent 32-byte key for another purpose (HKDF-SHA256, the label as `info`), so one
   * configured secret serves several uses without one use's outputs saying anything about another's.
   */
  subkey(label: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `secure-api ${label}`, 32));
  }
}
