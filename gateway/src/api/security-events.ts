import { isIP } from 'node:net';

import type { Request, Response } from 'express';

import type { AccessClaims, Permission } from '@secure-api/shared/auth';
import {
  createEvent,
  currentEventIds,
  InvalidEventError,
  type AnySecurityEvent,
  type EventActor,
  type EventDataInput,
  type EventOutcome,
} from '@secure-api/shared/events';
import { clientIpOf } from '@secure-api/shared/http';
import type { Counter } from '@secure-api/shared/lifecycle';

import type { DroppedEvents } from '../data/dropped-events.js';
import type { EventBuffer } from '../data/event-buffer.js';
import type { LimitName } from '../data/rate-limiters.js';
import { routePatternOf } from './route-match.js';

type GatewayEventType =
  | 'gateway.rate_limited'
  | 'gateway.token_rejected'
  | 'gateway.access_denied'
  | 'gateway.apikey.used';

export type RejectionReason = EventDataInput<'gateway.token_rejected'>['reason'];
// The schema checks it: a method outside its list makes the event invalid, and so dropped.
type Method = EventDataInput<'gateway.token_rejected'>['method'];

const LIMITS = new Map<LimitName, EventDataInput<'gateway.rate_limited'>['limit']>([
  ['global', 'global'],
  ['login', 'login'],
  ['login-2fa', 'mfa'],
  ['register', 'register'],
  ['refresh', 'refresh'],
  ['api-key', 'api_key'],
  ['password-forgot', 'password_forgot'],
  ['account-link', 'account_link'],
]);

/** Whom a request is known to come from, as far as the gateway got. */
export interface Caller {
  userId?: string | undefined;
  keyId?: string | undefined;
}

/** What the client got, as an outcome: refused by policy, or failed otherwise. */
function outcomeOf(status: number): EventOutcome {
  if (status < 400) return 'success';
  return status === 401 || status === 403 || status === 429 ? 'denied' : 'failure';
}

/**
 * The gateway's own security events, built from the request: the route as the
 * table's pattern, the method, the client address the gateway resolved (trusted proxies
 * considered) and the user agent. Handing one over never blocks or throws: the buffer takes it,
 * and one that does not fit its schema is counted and logged as dropped.
 */
export class GatewayEvents {
  constructor(
    private readonly buffer: Pick<EventBuffer, 'emit'>,
    private readonly dropped: Pick<DroppedEvents, 'record'>,
    /** gateway_rate_limited_total{limit}: every refusal, by the limit's name in the event. */
    private readonly rateLimitedCount: Pick<Counter<'limit'>, 'inc'>,
  ) {}

  rateLimited(req: Request, limit: LimitName, retryAfterSeconds: number, caller: Caller = {}) {
    const name = LIMITS.get(limit) ?? 'global';
    this.rateLimitedCount.inc({ limit: name });
    this.emit(req, 'gateway.rate_limited', 'denied', caller, {
      ...this.request(req),
      limit: name,
      retry_after_seconds: retryAfterSeconds,
    });
  }

  tokenRejected(req: Request, reason: RejectionReason, caller: Caller = {}) {
    this.emit(req, 'gateway.token_rejected', 'failure', caller, { ...this.request(req), reason });
  }

  accessDenied(req: Request, permission: Permission, claims: AccessClaims | undefined) {
    this.emit(req, 'gateway.access_denied', 'denied', claims ? { userId: claims.sub } : {}, {
      ...this.request(req),
      permission,
      ...(claims ? { role: claims.role } : {}),
    });
  }

  /** Once the response is over, with the status the client got (499: it left before that). */
  apiKeyUsed(req: Request, res: Response, caller: Required<Caller>) {
    // Emitted after the response, maybe outside the request's context: its ids are taken now.
    const ids = currentEventIds();
    let done = false;
    const emit = (status: number) => {
      if (done) return;
      done = true;
      this.emit(
        req,
        'gateway.apikey.used',
        outcomeOf(status),
        caller,
        { ...this.request(req), status },
        ids,
      );
    };
    res.once('finish', () => {
      emit(res.statusCode);
    });
    res.once('close', () => {
      emit(res.writableFinished ? res.statusCode : 499);
    });
  }

  private request(req: Request) {
    return { route: routePatternOf(req), method: req.method as Method };
  }

  private emit<T extends GatewayEventType>(
    req: Request,
    type: T,
    outcome: EventOutcome,
    caller: Caller,
    data: EventDataInput<T>,
    ids = currentEventIds(),
  ): void {
    try {
      const event = createEvent(type, {
        source: 'gateway',
        outcome,
        ...ids,
        actor: actorOf(req, caller.userId),
        ...(caller.keyId ? { subject: { key_id: caller.keyId } } : {}),
        data,
      });
      this.buffer.emit(event as AnySecurityEvent);
    } catch (error) {
      // A method outside the schema's list (a flood of PROPFIND being limited) cannot be told.
      const issues = error instanceof InvalidEventError ? error.issues : ['event not built'];
      this.dropped.record('invalid', { type, issues });
    }
  }
}

function actorOf(req: Request, userId: string | undefined): EventActor {
  const ip = clientIpOf(req);
  const userAgent = req.headers['user-agent'];
  return {
    ...(userId ? { user_id: userId } : {}),
    ...(isIP(ip) !== 0 ? { ip } : {}),
    ...(userAgent ? { user_agent: userAgent } : {}),
  };
}
