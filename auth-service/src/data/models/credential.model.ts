import {
  DataTypes,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Model,
  type ModelStatic,
  type Sequelize,
} from 'sequelize';

export interface CredentialRow extends Model<
  InferAttributes<CredentialRow>,
  InferCreationAttributes<CredentialRow>
> {
  user_id: string;
  email: string;
  password_hash: string;
  password_changed_at: Date;
  created_at: CreationOptional<Date>;
  updated_at: CreationOptional<Date>;
}

export type CredentialModel = ModelStatic<CredentialRow>;

/** Defined per Sequelize instance (not a global class), so several instances coexist in a process. */
export function defineCredentialModel(sequelize: Sequelize): CredentialModel {
  return sequelize.define<CredentialRow>(
    'Credential',
    {
      user_id: { type: DataTypes.UUID, primaryKey: true },
      email: { type: DataTypes.STRING(254), allowNull: false },
      password_hash: { type: DataTypes.STRING(255), allowNull: false },
      password_changed_at: { type: DataTypes.DATE, allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      updated_at: { type: DataTypes.DATE, allowNull: false },
    },
    {
      tableName: 'credentials',
      timestamps: true,
      createdAt: 'created_at',
      updatedAt: 'updated_at',
    },
  );
}
