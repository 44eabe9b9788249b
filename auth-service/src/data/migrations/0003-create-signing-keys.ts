import { DataTypes } from 'sequelize';

import type { Migration } from '@secure-api/shared/data';

/** Development only: generated Ed25519 keys kept across restarts. Production reads JWT_PRIVATE_KEYS. */
export const createSigningKeys: Migration = {
  name: '0003-create-signing-keys',
  async up({ queryInterface }) {
    await queryInterface.createTable('signing_keys', {
      kid: { type: DataTypes.STRING(64), primaryKey: true },
      private_jwk: { type: DataTypes.JSONB, allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
  },
  async down({ queryInterface }) {
    await queryInterface.dropTable('signing_keys');
  },
};
