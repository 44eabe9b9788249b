import { DataTypes } from 'sequelize';

import type { Migration } from '@secure-api/shared/data';

/**
 * A rotated refresh token may yield one more successor inside the grace window (a second tab):
 * this column records it, so any further use of the token is reuse.
 */
export const addRefreshTokenSibling: Migration = {
  name: '0008-refresh-token-sibling',
  async up({ queryInterface }) {
    await queryInterface.addColumn('refresh_tokens', 'sibling_id', {
      type: DataTypes.UUID,
      allowNull: true,
    });
  },
  async down({ queryInterface }) {
    await queryInterface.removeColumn('refresh_tokens', 'sibling_id');
  },
};
