import { DataTypes } from 'sequelize';

import type { Migration } from '@secure-api/shared/data';

export const createTwoFactor: Migration = {
  name: '0005-create-two-factor',
  async up({ queryInterface }) {
    const owner = {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: 'credentials', key: 'user_id' },
      onDelete: 'CASCADE',
    };
    await queryInterface.createTable('totp_factors', {
      user_id: { ...owner, primaryKey: true },
      // AES-256-GCM ciphertext of the base32 seed; never the seed itself.
      secret_sealed: { type: DataTypes.TEXT, allowNull: false },
      enabled_at: { type: DataTypes.DATE, allowNull: true },
      last_time_step: { type: DataTypes.BIGINT, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
    await queryInterface.createTable('backup_codes', {
      id: { type: DataTypes.UUID, primaryKey: true },
      user_id: owner,
      code_hash: { type: DataTypes.STRING(64), allowNull: false },
      used_at: { type: DataTypes.DATE, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
    await queryInterface.addIndex('backup_codes', ['user_id', 'code_hash'], { unique: true });
    // Development only: generated secrets kept across restarts (production reads the environment).
    await queryInterface.createTable('dev_secrets', {
      name: { type: DataTypes.STRING(64), primaryKey: true },
      value: { type: DataTypes.TEXT, allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
  },
  async down({ queryInterface }) {
    await queryInterface.dropTable('dev_secrets');
    await queryInterface.dropTable('backup_codes');
    await queryInterface.dropTable('totp_factors');
  },
};
