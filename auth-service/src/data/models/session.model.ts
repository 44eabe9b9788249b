import { DataTypes, Model, type Sequelize } from 'sequelize';

export class SessionModel extends Model {
  declare id: string;
  declare user_id: string;
  declare user_agent: string | null;
  declare ip: string | null;
  declare amr: string[];
  declare created_at: Date;
  declare last_used_at: Date;
  declare expires_at: Date;
  declare revoked_at: Date | null;
  declare revoked_reason: string | null;
}

export class RefreshTokenModel extends Model {
  declare id: string;
  declare session_id: string;
  declare token_hash: string;
  declare created_at: Date;
  declare expires_at: Date;
  declare rotated_at: Date | null;
  declare replaced_by: string | null;
}

export function initSessionModels(sequelize: Sequelize) {
  SessionModel.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      user_id: { type: DataTypes.UUID, allowNull: false },
      user_agent: { type: DataTypes.STRING(256), allowNull: true },
      ip: { type: DataTypes.STRING(64), allowNull: true },
      amr: { type: DataTypes.ARRAY(DataTypes.STRING(16)), allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      last_used_at: { type: DataTypes.DATE, allowNull: false },
      expires_at: { type: DataTypes.DATE, allowNull: false },
      revoked_at: { type: DataTypes.DATE, allowNull: true },
      revoked_reason: { type: DataTypes.STRING(32), allowNull: true },
    },
    { sequelize, tableName: 'sessions', timestamps: false },
  );
  RefreshTokenModel.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      session_id: { type: DataTypes.UUID, allowNull: false },
      token_hash: { type: DataTypes.STRING(64), allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      expires_at: { type: DataTypes.DATE, allowNull: false },
      rotated_at: { type: DataTypes.DATE, allowNull: true },
      replaced_by: { type: DataTypes.UUID, allowNull: true },
    },
    { sequelize, tableName: 'refresh_tokens', timestamps: false },
  );
  return { SessionModel, RefreshTokenModel };
}
