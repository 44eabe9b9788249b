import type { JWK } from 'jose';
import {
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  type Model,
  type ModelStatic,
  type Sequelize,
} from 'sequelize';

export interface SigningKeyRow extends Model<
  InferAttributes<SigningKeyRow>,
  InferCreationAttributes<SigningKeyRow>
> {
  kid: string;
  private_jwk: JWK;
  created_at: Date;
}

export type SigningKeyModel = ModelStatic<SigningKeyRow>;

export function defineSigningKeyModel(sequelize: Sequelize): SigningKeyModel {
  return sequelize.define<SigningKeyRow>(
    'SigningKey',
    {
      kid: { type: DataTypes.STRING(64), primaryKey: true },
      private_jwk: { type: DataTypes.JSONB, allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
    },
    { tableName: 'signing_keys', timestamps: false },
  );
}
