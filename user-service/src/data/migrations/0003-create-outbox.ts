import { createOutboxMigration } from '@secure-api/shared/outbox';

/** Security events written with the change that caused them (transactional outbox). */
export const createOutbox = createOutboxMigration('0003-create-outbox');
