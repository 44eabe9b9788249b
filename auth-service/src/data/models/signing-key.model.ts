import { DataTypes, Model, type Sequelize } from 'sequelize';

export class SigningKeyModel extends Model {
  declare kid: string;
  declare private_jwk: Record<string, string>;
  declare created_at: Date;
}

export function initSigningKeyModel(sequelize: Sequelize): typeof SigningKeyModel {
  SigningKeyModel.init(
    {
      kid: { type: DataTypes.STRING(64), primaryKey: true },
      private_jwk: { type: DataTypes.JSONB, allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
    },
    { sequelize, tableName: 'signing_keys', timestamps: false },
  );
  return SigningKeyModel;
}
