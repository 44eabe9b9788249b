import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';

const ISSUER = 'Secure API';
const STEP_SECONDS = 30;

/** RFC 6238 TOTP: 160-bit secrets, 6 digits, 30-second steps, ±1 step accepted. */
export const totp = {
  newSecret: (): string => generateSecret({ length: 20 }),

  uri: (secret: string, account: string): string =>
    generateURI({ issuer: ISSUER, label: account, secret }),

  /** A PNG data URL any authenticator app can scan. */
  qrCode: (uri: string): Promise<string> =>
    QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2 }),

  /**
   * The accepted time step, or undefined. A step at or before `afterTimeStep` (the last one
   * accepted for this user) is refused, so an observed code cannot be replayed.
   */
  async check(secret: string, code: string, afterTimeStep?: number): Promise<number | undefined> {
    if (!/^\d{6}$/.test(code)) return undefined;
    const result = await verify({
      secret,
      token: code,
      epochTolerance: STEP_SECONDS,
      ...(afterTimeStep === undefined ? {} : { afterTimeStep }),
    });
    return result.valid && 'timeStep' in result ? result.timeStep : undefined;
  },
};
