import { DataTypes } from 'sequelize';

import type { Migration } from '@secure-api/shared/data';

/** One row per version of the runtime security policy; the highest version is in force. */
export const createSecurityPolicy: Migration = {
  name: '0004-create-security-policy',
  async up({ queryInterface }) {
    await queryInterface.createTable('security_policy', {
      version: { type: DataTypes.INTEGER, primaryKey: true },
      policy: { type: DataTypes.JSONB, allowNull: false },
      changed_by: { type: DataTypes.UUID, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false },
    });
  },
  async down({ queryInterface }) {
    await queryInterface.dropTable('security_policy');
  },
};
