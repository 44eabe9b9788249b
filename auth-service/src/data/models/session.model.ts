import {
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  type Model,
  type ModelStatic,
  type Sequelize,
} from 'sequelize';

export interface SessionRow extends Model<
  InferAttributes<SessionRow>,
  InferCreationAttributes<SessionRow>
> {
  id: string;
  user_id: string;
  user_agent: string | null;
  ip: string | null;
  amr: string[];
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

export interface RefreshTokenRow extends Model<
  InferAttributes<RefreshTokenRow>,
  InferCreationAttributes<RefreshTokenRow>
> {
  id: string;
  session_id: string;
  token_hash: string;
  created_at: Date;
  expires_at: Date;
  rotated_at: Date | null;
  replaced_by: string | null;
  /** The one extra successor a rotated token may yield inside the grace window. */
  sibling_id: string | null;
}

export type SessionModel = ModelStatic<SessionRow>;
export type RefreshTokenModel = ModelStatic<RefreshTokenRow>;

/** Both repositories of a Sequelize instance share one pair of models: defined on first use. */
export function defineSessionModels(sequelize: Sequelize): {
  Session: SessionModel;
  RefreshToken: RefreshTokenModel;
} {
  if (sequelize.isDefined('Session') && sequelize.isDefined('RefreshToken')) {
    return {
      Session: sequelize.model('Session') as SessionModel,
      RefreshToken: sequelize.model('RefreshToken') as RefreshTokenModel,
    };
  }
  const Session = sequelize.define<SessionRow>(
    'Session',
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
    { tableName: 'sessions', timestamps: false },
  );
  const RefreshToken = sequelize.define<RefreshTokenRow>(
    'RefreshToken',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      session_id: { type: DataTypes.UUID, allowNull: false },
      token_hash: { type: DataTypes.STRING(64), allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      expires_at: { type: DataTypes.DATE, allowNull: false },
      rotated_at: { type: DataTypes.DATE, allowNull: true },
      replaced_by: { type: DataTypes.UUID, allowNull: true },
      sibling_id: { type: DataTypes.UUID, allowNull: true },
    },
    { tableName: 'refresh_tokens', timestamps: false },
  );
  return { Session, RefreshToken };
}
