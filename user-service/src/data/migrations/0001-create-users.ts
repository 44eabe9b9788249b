import { DataTypes } from 'sequelize';

import type { Migration } from '@secure-api/shared/data';

export const createUsers: Migration = {
  name: '0001-create-users',
  async up({ queryInterface }) {
    await queryInterface.createTable('users', {
      id: { type: DataTypes.UUID, primaryKey: true },
      username: { type: DataTypes.STRING(50), allowNull: false },
      email: { type: DataTypes.STRING(254), allowNull: false },
      full_name: { type: DataTypes.STRING(100), allowNull: true },
      role: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'user' },
      is_active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      created_at: { type: DataTypes.DATE, allowNull: false },
      updated_at: { type: DataTypes.DATE, allowNull: false },
    });
    await queryInterface.addIndex('users', ['username'], {
      unique: true,
      name: 'users_username_key',
    });
    await queryInterface.addIndex('users', ['email'], { unique: true, name: 'users_email_key' });
  },
  async down({ queryInterface }) {
    await queryInterface.dropTable('users');
  },
};
