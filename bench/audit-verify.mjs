// `npm run bench:audit-verify`: audit chain verification at AUDIT_BENCH_EVENTS (default 1,000,000)
// stored events, before (the old whole-chain walk) and after (the background re-walk, the
// incremental call); bench/lib/audit-verify.mjs has how. `npm run bench -- --audit-verify` puts
// the same figures in the bench's report. Needs `npm run build` (the npm script runs it).
import { auditVerification } from './lib/audit-verify.mjs';
import { renderAuditVerify } from './lib/audit-verify-report.mjs';

const log = (line) => process.stderr.write(`bench: ${line}\n`);

try {
  const result = await auditVerification({
    events: Number(process.env.AUDIT_BENCH_EVENTS ?? 1_000_000),
    log,
  });
  process.stdout.write(`\n${renderAuditVerify(result)}\n`);
} catch (error) {
  process.exitCode = 1;
  log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
}
