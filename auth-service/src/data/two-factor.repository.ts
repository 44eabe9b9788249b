import { randomBytes, randomUUID } from 'node:crypto';

import {
  DataTypes,
  Op,
  type InferAttributes,
  type InferCreationAttributes,
  type Model,
  type ModelStatic,
  type Sequelize,
} from 'sequelize';

import type { UnitOfWork } from '@secure-api/shared/outbox';

import type { TotpFactor, TwoFactorStore } from '../domain/two-factor-ports.js';

interface FactorRow extends Model<InferAttributes<FactorRow>, InferCreationAttributes<FactorRow>> {
  user_id: string;
  secret_sealed: string;
  enabled_at: Date | null;
  last_time_step: string | null;
  created_at: Date;
}

interface BackupCodeRow extends Model<
  InferAttributes<BackupCodeRow>,
  InferCreationAttributes<BackupCodeRow>
> {
  id: string;
  user_id: string;
  code_hash: string;
  used_at: Date | null;
  created_at: Date;
}

interface DevSecretRow extends Model<
  InferAttributes<DevSecretRow>,
  InferCreationAttributes<DevSecretRow>
> {
  name: string;
  value: string;
  created_at: Date;
}

export class TwoFactorRepository implements TwoFactorStore {
  private readonly factors: ModelStatic<FactorRow>;
  private readonly codes: ModelStatic<BackupCodeRow>;
  private readonly devSecrets: ModelStatic<DevSecretRow>;

  constructor(
    sequelize: Sequelize,
    private readonly uow: UnitOfWork,
  ) {
    this.factors = sequelize.define<FactorRow>(
      'TotpFactor',
      {
        user_id: { type: DataTypes.UUID, primaryKey: true },
        secret_sealed: { type: DataTypes.TEXT, allowNull: false },
        enabled_at: { type: DataTypes.DATE, allowNull: true },
        last_time_step: { type: DataTypes.BIGINT, allowNull: true },
        created_at: { type: DataTypes.DATE, allowNull: false },
      },
      { tableName: 'totp_factors', timestamps: false },
    );
    this.codes = sequelize.define<BackupCodeRow>(
      'BackupCode',
      {
        id: { type: DataTypes.UUID, primaryKey: true },
        user_id: { type: DataTypes.UUID, allowNull: false },
        code_hash: { type: DataTypes.STRING(64), allowNull: false },
        used_at: { type: DataTypes.DATE, allowNull: true },
        created_at: { type: DataTypes.DATE, allowNull: false },
      },
      { tableName: 'backup_codes', timestamps: false },
    );
    this.devSecrets = sequelize.define<DevSecretRow>(
      'DevSecret',
      {
        name: { type: DataTypes.STRING(64), primaryKey: true },
        value: { type: DataTypes.TEXT, allowNull: false },
        created_at: { type: DataTypes.DATE, allowNull: false },
      },
      { tableName: 'dev_secrets', timestamps: false },
    );
  }

  async find(userId: string): Promise<TotpFactor | undefined> {
    const row = await this.factors.findByPk(userId);
    if (!row) return undefined;
    return {
      userId: row.user_id,
      secretSealed: row.secret_sealed,
      enabled: row.enabled_at !== null,
      lastTimeStep: row.last_time_step === null ? undefined : Number(row.last_time_step),
    };
  }

  /** A pending (not yet enabled) factor replaces any earlier pending one. */
  async savePending(userId: string, secretSealed: string): Promise<void> {
    await this.factors.upsert({
      user_id: userId,
      secret_sealed: secretSealed,
      enabled_at: null,
      last_time_step: null,
      created_at: new Date(),
    });
  }

  /**
   * Records an accepted time step, only if it is newer than the last one: two requests racing
   * with the same code cannot both win.
   */
  async acceptTimeStep(userId: string, timeStep: number): Promise<boolean> {
    const [count] = await this.factors.update(
      { last_time_step: String(timeStep) },
      {
        where: {
          user_id: userId,
          [Op.or]: [{ last_time_step: null }, { last_time_step: { [Op.lt]: String(timeStep) } }],
        },
      },
    );
    return count === 1;
  }

  /** Enables the factor and installs the backup codes in one transaction. */
  async enable(userId: string, codeHashes: string[]): Promise<void> {
    await this.uow.run(async () => {
      await this.factors.update({ enabled_at: new Date() }, { where: { user_id: userId } });
      await this.replaceCodesIn(userId, codeHashes);
    });
  }

  async replaceCodes(userId: string, codeHashes: string[]): Promise<void> {
    await this.uow.run(() => this.replaceCodesIn(userId, codeHashes));
  }

  /** Inside a unit of work: the old codes go and the new arrive together. */
  private async replaceCodesIn(userId: string, codeHashes: string[]) {
    await this.codes.destroy({ where: { user_id: userId } });
    const now = new Date();
    await this.codes.bulkCreate(
      codeHashes.map((code_hash) => ({
        id: randomUUID(),
        user_id: userId,
        code_hash,
        used_at: null,
        created_at: now,
      })),
    );
  }

  /** Marks an unused code used; true only for the single request that wins. */
  async consumeCode(userId: string, codeHash: string): Promise<boolean> {
    const [count] = await this.codes.update(
      { used_at: new Date() },
      { where: { user_id: userId, code_hash: codeHash, used_at: null } },
    );
    return count === 1;
  }

  async remainingCodes(userId: string): Promise<number> {
    return this.codes.count({ where: { user_id: userId, used_at: null } });
  }

  async remove(userId: string): Promise<void> {
    await this.uow.run(async () => {
      await this.codes.destroy({ where: { user_id: userId } });
      await this.factors.destroy({ where: { user_id: userId } });
    });
  }

  /** Development: a 32-byte key generated once and kept, so sealed secrets survive restarts. */
  async developmentKey(name: string): Promise<string> {
    await this.devSecrets.findOrCreate({
      where: { name },
      defaults: { name, value: randomBytes(32).toString('base64'), created_at: new Date() },
    });
    const row = await this.devSecrets.findByPk(name);
    if (!row) throw new Error('development secret missing');
    return row.value;
  }
}
