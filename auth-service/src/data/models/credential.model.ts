import { DataTypes, Model, type Sequelize } from 'sequelize';

export class CredentialModel extends Model {
  declare user_id: string;
  declare email: string;
  declare password_hash: string;
  declare password_changed_at: Date;
  declare created_at: Date;
  declare updated_at: Date;
}

export function initCredentialModel(sequelize: Sequelize): typeof CredentialModel {
  CredentialModel.init(
    {
      user_id: { type: DataTypes.UUID, primaryKey: true },
      email: { type: DataTypes.STRING(254), allowNull: false },
      password_hash: { type: DataTypes.STRING(255), allowNull: false },
      password_changed_at: { type: DataTypes.DATE, allowNull: false },
    },
    {
      sequelize,
      tableName: 'credentials',
      timestamps: true,
      createdAt: 'created_at',
      updatedAt: 'updated_at',
    },
  );
  return CredentialModel;
}
