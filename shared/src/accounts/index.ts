// The account fields auth-service and user-service both accept, validated one way.
export * from './account-fields.js';
