import { z } from 'zod';

/** Where auth-service mirrors the security policy in force, after the deployment's key prefix. */
export const SECURITY_POLICY_KEY = 'security-policy';

export function securityPolicyKey(keyPrefix: string): string {
  return `${keyPrefix}${SECURITY_POLICY_KEY}`;
}

/**
 * The part of the mirrored policy other services rely on: the gateway enforces the login rate
 * limit. auth-service writes its whole policy (bounded more tightly by its own schema); readers
 * ignore the other fields, so one added there breaks nobody.
 */
export const mirroredSecurityPolicySchema = z.object({
  login_rate_limit: z.object({
    points: z.number().int().min(1).max(1_000_000),
    duration_seconds: z.number().int().min(1).max(86_400),
  }),
});
export type MirroredSecurityPolicy = z.infer<typeof mirroredSecurityPolicySchema>;

/** The writer's side: the type keeps auth-service from dropping what the readers need. */
export function encodeSecurityPolicy(policy: MirroredSecurityPolicy): string {
  return JSON.stringify(policy);
}

/** A reader's side: undefined when the value is absent, not JSON or not of the shape. */
export function decodeSecurityPolicy(raw: string | null): MirroredSecurityPolicy | undefined {
  if (raw === null) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = mirroredSecurityPolicySchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
