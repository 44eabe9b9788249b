import type { Request, Response } from 'express';

import type { LoginClient } from '../domain/ports.js';
import {
  DEVICE_COOKIE_DAYS,
  type DeviceCookie,
  type DeviceCookies,
  type PresentedCookies,
} from '../domain/device-cookies.js';
import { clientInfo, cookiesOf } from './refresh-cookie.js';

// Sent only where it is read: the password step and the second step (/login/2fa) of a login.
const DEVICE_COOKIE_PATH = '/api/v1/auth/login';
// A browser with hundreds of accounts is not a browser; bound the work a Cookie header can cause.
const MAX_DEVICE_COOKIES = 32;

export function setDeviceCookie(res: Response, cookie: DeviceCookie, secure: boolean) {
  res.cookie(cookie.name, cookie.value, {
    httpOnly: true,
    secure,
    sameSite: 'strict',
    path: DEVICE_COOKIE_PATH,
    maxAge: DEVICE_COOKIE_DAYS * 86_400_000,
  });
}

function presentedDeviceCookies(req: Request, devices: DeviceCookies): PresentedCookies {
  const found = new Map<string, string>();
  for (const [name, value] of cookiesOf(req)) {
    // The first of two same-named cookies is the one with the longest path: the login's.
    if (devices.isDeviceCookieName(name) && !found.has(name)) found.set(name, value);
    if (found.size >= MAX_DEVICE_COOKIES) break;
  }
  return found;
}

/** The client of a login: its address and user agent, and the device cookies it showed. */
export function loginClient(req: Request, devices: DeviceCookies): LoginClient {
  return { ...clientInfo(req), deviceCookies: presentedDeviceCookies(req, devices) };
}
