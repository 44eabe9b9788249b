import { DataTypes } from 'sequelize';

import type { Migration } from '@secure-api/shared/data';

/**
 * A session is a refresh-token family; each token row is one link of its rotation chain, stored
 * only as a SHA-256 hash.
 */
export const createSessions: Migration = {
  name: '0002-create-sessions',
  async up({ queryInterface }) {
    await queryInterface.createTable('sessions', {
      id: { type: DataTypes.UUID, primaryKey: true },
      user_id: {
        type: DataTypes.UUID,
        allowNull: false,
        references: { model: 'credentials', key: 'user_id' },
        onDelete: 'CASCADE',
      },
      user_agent: { type: DataTypes.STRING(256), allowNull: true },
      ip: { type: DataTypes.STRING(64), allowNull: true },
      amr: { type: DataTypes.ARRAY(DataTypes.STRING(16)), allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      last_used_at: { type: DataTypes.DATE, allowNull: false },
      expires_at: { type: DataTypes.DATE, allowNull: false },
      revoked_at: { type: DataTypes.DATE, allowNull: true },
      revoked_reason: { type: DataTypes.STRING(32), allowNull: true },
    });
    await queryInterface.addIndex('sessions', ['user_id']);
    await queryInterface.createTable('refresh_tokens', {
      id: { type: DataTypes.UUID, primaryKey: true },
      session_id: {
        type: DataTypes.UUID,
        allowNull: false,
        references: { model: 'sessions', key: 'id' },
        onDelete: 'CASCADE',
      },
      token_hash: { type: DataTypes.STRING(64), allowNull: false, unique: true },
      created_at: { type: DataTypes.DATE, allowNull: false },
      expires_at: { type: DataTypes.DATE, allowNull: false },
      rotated_at: { type: DataTypes.DATE, allowNull: true },
      replaced_by: { type: DataTypes.UUID, allowNull: true },
    });
    await queryInterface.addIndex('refresh_tokens', ['session_id']);
  },
  async down({ queryInterface }) {
    await queryInterface.dropTable('refresh_tokens');
    await queryInterface.dropTable('sessions');
  },
};
