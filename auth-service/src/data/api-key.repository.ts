import {
  DataTypes,
  Op,
  type InferAttributes,
  type InferCreationAttributes,
  type Model,
  type ModelStatic,
  type Sequelize,
} from 'sequelize';

import type { ApiKey, ApiKeyStore, NewApiKey } from '../domain/api-key-ports.js';

interface ApiKeyRow extends Model<InferAttributes<ApiKeyRow>, InferCreationAttributes<ApiKeyRow>> {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  scopes: string[];
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  replaced_by: string | null;
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    keyHash: row.key_hash,
    scopes: row.scopes,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

export class ApiKeyRepository implements ApiKeyStore {
  private readonly model: ModelStatic<ApiKeyRow>;

  constructor(sequelize: Sequelize) {
    this.model = sequelize.define<ApiKeyRow>(
      'ApiKey',
      {
        id: { type: DataTypes.UUID, primaryKey: true },
        user_id: { type: DataTypes.UUID, allowNull: false },
        name: { type: DataTypes.STRING(100), allowNull: false },
        prefix: { type: DataTypes.STRING(8), allowNull: false },
        key_hash: { type: DataTypes.STRING(64), allowNull: false },
        scopes: { type: DataTypes.ARRAY(DataTypes.STRING(32)), allowNull: false },
        created_at: { type: DataTypes.DATE, allowNull: false },
        expires_at: { type: DataTypes.DATE, allowNull: true },
        revoked_at: { type: DataTypes.DATE, allowNull: true },
        last_used_at: { type: DataTypes.DATE, allowNull: true },
        replaced_by: { type: DataTypes.UUID, allowNull: true },
      },
      { tableName: 'api_keys', timestamps: false },
    );
  }

  async create(key: NewApiKey): Promise<ApiKey> {
    const row = await this.model.create({
      id: key.id,
      user_id: key.userId,
      name: key.name,
      prefix: key.prefix,
      key_hash: key.keyHash,
      scopes: key.scopes,
      created_at: new Date(),
      expires_at: key.expiresAt,
      revoked_at: null,
      last_used_at: null,
      replaced_by: null,
    });
    return toApiKey(row);
  }

  async findByPrefix(prefix: string): Promise<ApiKey | undefined> {
    const row = await this.model.findOne({ where: { prefix } });
    return row ? toApiKey(row) : undefined;
  }

  async findOwned(userId: string, id: string): Promise<ApiKey | undefined> {
    const row = await this.model.findOne({ where: { id, user_id: userId } });
    return row ? toApiKey(row) : undefined;
  }

  /** Live keys: not revoked and not past their expiry. */
  async listActive(userId: string): Promise<ApiKey[]> {
    const rows = await this.model.findAll({
      where: {
        user_id: userId,
        revoked_at: null,
        [Op.or]: [{ expires_at: null }, { expires_at: { [Op.gt]: new Date() } }],
      },
      order: [['created_at', 'ASC']],
    });
    return rows.map(toApiKey);
  }

  async revoke(id: string): Promise<void> {
    await this.model.update({ revoked_at: new Date() }, { where: { id, revoked_at: null } });
  }

  /** Revokes every live key of the user (rotated-out keys in their grace too); returns them. */
  async revokeAllOf(userId: string): Promise<ApiKey[]> {
    const now = new Date();
    const [, rows] = await this.model.update(
      { revoked_at: now },
      {
        where: {
          user_id: userId,
          revoked_at: null,
          [Op.or]: [{ expires_at: null }, { expires_at: { [Op.gt]: now } }],
        },
        returning: true,
      },
    );
    return rows.map(toApiKey);
  }

  /** The rotated key lives until `retireAt` (the grace period), then stops. */
  async retire(id: string, replacedBy: string, retireAt: Date): Promise<void> {
    await this.model.update({ replaced_by: replacedBy, expires_at: retireAt }, { where: { id } });
  }

  async touch(id: string): Promise<void> {
    await this.model.update({ last_used_at: new Date() }, { where: { id } });
  }

  async hashesOf(userId: string): Promise<string[]> {
    const rows = await this.model.findAll({ where: { user_id: userId }, attributes: ['key_hash'] });
    return rows.map((row) => row.key_hash);
  }
}
