type OutageTest = (error: unknown) => boolean;

const outageTests = new Set<OutageTest>();

/**
 * A dependency's module says here which of its errors mean "down right now" (shared's data layer
 * does for PostgreSQL when it loads). The error handler asks without importing any driver, so a
 * process without a database (the gateway) never loads Sequelize and pg.
 */
export function registerOutageTest(test: OutageTest): void {
  outageTests.add(test);
}

export function isDependencyOutage(error: unknown): boolean {
  for (const test of outageTests) if (test(error)) return true;
  return false;
}
