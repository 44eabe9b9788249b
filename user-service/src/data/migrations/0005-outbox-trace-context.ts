import { addOutboxTraceContextMigration } from '@secure-api/shared/outbox';

/** Each outbox row keeps the trace of the request that wrote it, for the relay's publish. */
export const addOutboxTraceContext = addOutboxTraceContextMigration('0005-outbox-trace-context');
