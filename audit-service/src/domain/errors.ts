import { AppError, Problems } from '@secure-api/shared/http';

export const JOBS_PATH = '/api/v1/admin/audit/verify/jobs';

/** audit-service's public errors, in one place. */
export const AuditErrors = {
  walkRunning: (runningId: string | undefined) =>
    new AppError(409, 'verify-job-running', 'A full verification is already running', {
      headers: runningId ? { Location: `${JOBS_PATH}/${runningId}` } : {},
    }),
  jobNotFound: () => Problems.notFound('No such verification job'),
};
