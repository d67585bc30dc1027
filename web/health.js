// The agent's health on a running job: a badge, the last report's checks, and how long ago it
// came. The API computes the state (unknown, healthy, degraded, unreachable) whenever it is read;
// the page polls a running job slowly (its Retry-After) to follow it. Agent-sent text is only
// ever set as textContent.

export const HEALTH_POLL_SECONDS = 15;

const HEALTH_TEXT = { unknown: 'Waiting for the first report', healthy: 'Healthy', degraded: 'Degraded', unreachable: 'Unreachable' };
const CHECK_TEXT = { ok: 'OK', degraded: 'Degraded', failed: 'Failed' };

const $ = (id) => document.getElementById(id);

/** Whether a job's document is still worth polling: in flight (a cancelling job too), or running with a health to follow. */
export function keepPolling(job) {
  return job.status === 'queued' || job.status === 'provisioning' || job.status === 'cancelling' || (job.status === 'running' && !!job.health);
}

export function healthText(health) {
  return HEALTH_TEXT[health?.state] ?? health?.state ?? '';
}

/** Draws the health section, or hides it when the document has none. */
export function renderHealth(health) {
  $('health').hidden = !health;
  if (!health) return;
  const badge = $('health-state');
  badge.dataset.state = health.state;
  badge.textContent = healthText(health);

  const list = $('health-checks');
  list.replaceChildren();
  for (const [name, check] of Object.entries(health.checks ?? {})) {
    const item = document.createElement('li');
    item.className = 'health-check';
    item.dataset.check = name;
    item.dataset.status = check.status;
    const label = document.createElement('span');
    label.className = 'health-check-name';
    label.textContent = name;
    const status = document.createElement('span');
    status.className = 'health-check-status';
    status.textContent = CHECK_TEXT[check.status] ?? check.status;
    item.append(label, status);
    if (check.message) {
      const message = document.createElement('span');
      message.className = 'health-check-message';
      message.textContent = check.message;
      item.append(message);
    }
    list.append(item);
  }
  list.hidden = list.childElementCount === 0;
  tickHealth(health);
}

/** Live text: how long ago the last report came. */
export function tickHealth(health, now = Date.now()) {
  if (!health) return;
  const last = $('health-last');
  if (!health.last_report_at) {
    last.textContent = 'no report yet';
    last.title = '';
    return;
  }
  const seconds = Math.max(0, Math.round((now - Date.parse(health.last_report_at)) / 1000));
  last.textContent = seconds < 60 ? `${seconds} s ago` : `${Math.floor(seconds / 60)} min ${seconds % 60} s ago`;
  last.title = new Date(health.last_report_at).toLocaleString();
}
