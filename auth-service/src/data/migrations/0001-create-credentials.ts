import { DataTypes } from 'sequelize';

import type { Migration } from '@secure-api/shared/data';

/** Login identity only; profile, role and active flag are owned by user-service. */
export const createCredentials: Migration = {
  name: '0001-create-credentials',
  async up({ queryInterface }) {
    await queryInterface.createTable('credentials', {
      user_id: { type: DataTypes.UUID, primaryKey: true },
      email: { type: DataTypes.STRING(254), allowNull: false },
      password_hash: { type: DataTypes.STRING(255), allowNull: false },
      password_changed_at: { type: DataTypes.DATE, allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false },
      updated_at: { type: DataTypes.DATE, allowNull: false },
    });
    await queryInterface.addIndex('credentials', ['email'], {
      unique: true,
      name: 'credentials_email_key',
    });
  },
  async down({ queryInterface }) {
    await queryInterface.dropTable('credentials');
  },
};
