import { jest } from '@jest/globals';

// A system is four services on fresh databases: on a busy 2-core machine starting one has taken
// longer than the 30 s the other projects allow a test or hook.
jest.setTimeout(60_000);
