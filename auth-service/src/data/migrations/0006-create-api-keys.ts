import { DataTypes } from 'sequelize';

import type { Migration } from '@secure-api/shared/data';

/** API keys: only an 8-character lookup prefix and the SHA-256 of the whole key are kept. */
export const createApiKeys: Migration = {
  name: '0006-create-api-keys',
  async up({ queryInterface }) {
    await queryInterface.createTable('api_keys', {
      id: { type: DataTypes.UUID, primaryKey: true },
      user_id: {
        type: DataTypes.UUID,
        allowNull: false,
        references: { model: 'credentials', key: 'user_id' },
        onDelete: 'CASCADE',
      },
      name: { type: DataTypes.STRING(100), allowNull: false },
      prefix: { type: DataTypes.STRING(8), allowNull: false, unique: true },
      key_hash: { type: DataTypes.STRING(64), allowNull: false },
      scopes: { type: DataTypes.ARRAY(DataTypes.STRING(32)), allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      expires_at: { type: DataTypes.DATE, allowNull: true },
      revoked_at: { type: DataTypes.DATE, allowNull: true },
      last_used_at: { type: DataTypes.DATE, allowNull: true },
      replaced_by: { type: DataTypes.UUID, allowNull: true },
    });
    await queryInterface.addIndex('api_keys', ['user_id']);
  },
  async down({ queryInterface }) {
    await queryInterface.dropTable('api_keys');
  },
};
