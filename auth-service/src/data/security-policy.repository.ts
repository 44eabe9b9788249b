import {
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  type Model,
  type ModelStatic,
  type Sequelize,
} from 'sequelize';

import { encodeSecurityPolicy, securityPolicyKey } from '@secure-api/shared/contracts';
import type { UnitOfWork } from '@secure-api/shared/outbox';
import type { Redis } from '@secure-api/shared/redis';

import type { PolicyStore } from '../domain/ports.js';
import { securityPolicySchema, type SecurityPolicy } from '../domain/security-policy.js';

interface PolicyRow extends Model<InferAttributes<PolicyRow>, InferCreationAttributes<PolicyRow>> {
  version: number;
  policy: SecurityPolicy;
  changed_by: string | null;
  created_at: Date;
}

const CACHE_MS = 1000;

/**
 * Versioned in PostgreSQL (the record), mirrored to Redis for the gateway. Replicas read the
 * database with a one-second cache, so a change is in force everywhere within a second.
 */
export class SecurityPolicyRepository implements PolicyStore {
  private readonly model: ModelStatic<PolicyRow>;
  private cached: { policy: SecurityPolicy; at: number } | undefined;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly redis: Redis,
    private readonly defaults: SecurityPolicy,
    private readonly uow: UnitOfWork,
    private readonly keyPrefix = '',
  ) {
    this.model = sequelize.define<PolicyRow>(
      'SecurityPolicy',
      {
        version: { type: DataTypes.INTEGER, primaryKey: true },
        policy: { type: DataTypes.JSONB, allowNull: false },
        changed_by: { type: DataTypes.UUID, allowNull: true },
        created_at: { type: DataTypes.DATE, allowNull: false },
      },
      { tableName: 'security_policy', timestamps: false },
    );
  }

  async current(): Promise<SecurityPolicy> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.policy;
    const row = await this.model.findOne({ order: [['version', 'DESC']] });
    // A stored policy written by an older version may lack newer fields: defaults fill them.
    const parsed = row
      ? securityPolicySchema.safeParse({ ...this.defaults, ...row.policy })
      : undefined;
    const policy = parsed?.success ? parsed.data : this.defaults;
    this.cached = { policy, at: Date.now() };
    return policy;
  }

  /** Appends a new version; concurrent writers cannot both take the same version number. */
  async replace(
    policy: SecurityPolicy,
    changedBy: string,
  ): Promise<{ previous: SecurityPolicy; version: number }> {
    const previous = await this.current();
    const version = await this.uow.run(async () => {
      await this.sequelize.query('LOCK TABLE security_policy IN EXCLUSIVE MODE');
      // MAX over no rows is NULL, whatever the typings say.
      const latest: unknown = await this.model.max('version');
      const next = (typeof latest === 'number' ? latest : 0) + 1;
      await this.model.create({
        version: next,
        policy,
        changed_by: changedBy,
        created_at: new Date(),
      });
      return next;
    });
    this.cached = { policy, at: Date.now() };
    await this.publish(policy);
    return { previous, version };
  }

  /** Mirrors the policy in force to Redis (on start and after each change), for the gateway. */
  async publish(policy?: SecurityPolicy): Promise<void> {
    await this.redis.set(
      securityPolicyKey(this.keyPrefix),
      encodeSecurityPolicy(policy ?? (await this.current())),
    );
  }
}
