import type { Rate } from '@secure-api/shared/config';
import { decodeSecurityPolicy, securityPolicyKey } from '@secure-api/shared/contracts';
import type { Logger } from '@secure-api/shared/logging';
import type { Redis } from '@secure-api/shared/redis';

export const POLICY_REFRESH_MS = 5000;

// auth-service writes the policy (GET/PUT /api/v1/admin/config); the shared contract reads back the
// one field the gateway enforces.
function loginRateOf(raw: string | null): Rate | undefined {
  const policy = decodeSecurityPolicy(raw);
  if (!policy) return undefined;
  const { points, duration_seconds: durationSeconds } = policy.login_rate_limit;
  return { points, durationSeconds };
}

/**
 * The login rate limit of the runtime security policy, read from Redis at most every few seconds
 * so every replica follows an admin's change without a restart. Absent or invalid: the configured
 * LOGIN_RATE_LIMIT. Redis unreachable: the last value read stays in force.
 */
export class SecurityPolicyRepository {
  private loginRate: Rate | undefined;
  private invalid = false;
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly options: {
      keyPrefix: string;
      fallbackLoginRate: Rate;
      logger: Logger;
      refreshMs?: number;
    },
  ) {}

  async currentLoginRate(): Promise<Rate> {
    if (Date.now() - this.readAt >= (this.options.refreshMs ?? POLICY_REFRESH_MS)) {
      this.reading ??= this.read().finally(() => {
        this.reading = undefined;
      });
      await this.reading;
    }
    return this.loginRate ?? this.options.fallbackLoginRate;
  }

  private async read(): Promise<void> {
    this.readAt = Date.now();
    let raw: string | null;
    try {
      raw = await this.redis.get(securityPolicyKey(this.options.keyPrefix));
    } catch {
      return;
    }
    const rate = loginRateOf(raw);
    const invalid = raw !== null && rate === undefined;
    if (invalid && !this.invalid) {
      this.options.logger.warn(
        'security policy in Redis has no valid login_rate_limit; using LOGIN_RATE_LIMIT',
      );
    }
    this.invalid = invalid;
    this.loginRate = rate;
  }
}
