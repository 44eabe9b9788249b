import {
  DataTypes,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Model,
  type ModelStatic,
  type Sequelize,
} from 'sequelize';

import type { Role } from '@secure-api/shared/auth';

export interface UserRow extends Model<InferAttributes<UserRow>, InferCreationAttributes<UserRow>> {
  id: string;
  username: string;
  email: string;
  email_verified: CreationOptional<boolean>;
  full_name: string | null;
  role: Role;
  is_active: CreationOptional<boolean>;
  sign_in_alerts: CreationOptional<boolean>;
  created_at: CreationOptional<Date>;
  updated_at: CreationOptional<Date>;
}

export type UserModel = ModelStatic<UserRow>;

/** Defined per Sequelize instance (not a global class), so two services in one process coexist. */
export function defineUserModel(sequelize: Sequelize): UserModel {
  return sequelize.define<UserRow>(
    'User',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      username: { type: DataTypes.STRING(50), allowNull: false },
      email: { type: DataTypes.STRING(254), allowNull: false },
      email_verified: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      full_name: { type: DataTypes.STRING(100), allowNull: true },
      role: { type: DataTypes.STRING(20), allowNull: false },
      is_active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      sign_in_alerts: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      created_at: { type: DataTypes.DATE, allowNull: false },
      updated_at: { type: DataTypes.DATE, allowNull: false },
    },
    {
      tableName: 'users',
      timestamps: true,
      createdAt: 'created_at',
      updatedAt: 'updated_at',
    },
  );
}
