import { DataTypes } from 'sequelize';

import type { Migration } from '@secure-api/shared/data';

export const createAuditEvents: Migration = {
  name: '0001-create-audit-events',
  async up({ queryInterface }) {
    await queryInterface.createTable('audit_events', {
      seq: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      event_id: { type: DataTypes.UUID, allowNull: false, unique: true },
      type: { type: DataTypes.STRING(64), allowNull: false },
      occurred_at: { type: DataTypes.DATE, allowNull: false },
      actor_user_id: { type: DataTypes.UUID, allowNull: true },
      payload: { type: DataTypes.JSONB, allowNull: false },
      prev_hash: { type: DataTypes.STRING(64), allowNull: false },
      hash: { type: DataTypes.STRING(64), allowNull: false },
      stored_at: { type: DataTypes.DATE, allowNull: false },
    });
    await queryInterface.addIndex('audit_events', ['type', 'occurred_at']);
    await queryInterface.addIndex('audit_events', ['actor_user_id', 'occurred_at']);
  },
  async down({ queryInterface }) {
    await queryInterface.dropTable('audit_events');
  },
};
