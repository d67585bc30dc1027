// What a status document allows (docs/lifecycle.md, "On the page"): pure rules over the
// document, so the buttons appear exactly when the API would accept the action.

const STATUS_TEXT = {
  provision: { queued: 'Queued', provisioning: 'Provisioning', running: 'Running', failed: 'Failed', cancelling: 'Cancelling…', cancelled: 'Cancelled' },
  // A deprovision job's "running" means its last step, Removed, is done.
  deprovision: { queued: 'Queued', provisioning: 'Removing server', running: 'Removed', failed: 'Failed', cancelling: 'Cancelling…', cancelled: 'Cancelled' },
};

/** The status in words, by the job's kind. */
export function statusText(kind, status) {
  return (STATUS_TEXT[kind] ?? STATUS_TEXT.provision)[status] ?? status;
}

export const isDeprovision = (job) => job.kind === 'deprovision';

/** A Cancel button while the run can still be stopped (a cancelling one shows its state instead). */
export function canCancel(job) {
  return job.status === 'queued' || job.status === 'provisioning';
}

/** A retry: on a failed or cancelled provision job that no attempt follows yet. */
export function canRetry(job) {
  return !isDeprovision(job) && (job.status === 'failed' || job.status === 'cancelled') && !job.next_job_id;
}

const RESUMABLE_STEPS = new Set(['installing', 'configuring']);

/**
 * The step a retry from the failed step would start from, or null: the run failed at Installing
 * Dependencies or Configuring Agent and its server is kept (kept_until in the future, not removed).
 */
export function resumableStep(job, now = Date.now()) {
  if (!canRetry(job) || job.status !== 'failed') return null;
  const stepId = job.error?.step_id;
  const keptUntil = Date.parse(job.server?.kept_until ?? '');
  if (!RESUMABLE_STEPS.has(stepId) || !(keptUntil > now) || job.server?.removed_at) return null;
  return job.steps.find((step) => step.id === stepId) ?? null;
}

/** "Remove server": a running provision job whose server is known and still there. */
export function canRemoveServer(job) {
  return !isDeprovision(job) && job.status === 'running' && !!job.server?.id && !job.server.removed_at;
}
