// The status page: creates a job or follows one, through the job's event stream (stream.js),
// else polling the status endpoint politely (one request in flight, If-None-Match, Retry-After,
// back-off when the API is away).

import { HEALTH_POLL_SECONDS, healthText, keepPolling, renderHealth, tickHealth } from './health.js';
import { createAuth, refusalText, showAccount } from './auth.js';
import { duration, localTime } from './format.js';
import { isDeprovision, statusText } from './lifecycle.js';
import { renderActions } from './actions.js';
import { renderAttempts } from './attempts.js';
import { renderLifetime, tickLifetime } from './lifetime.js';
import { showRuns } from './runs.js';
import { StreamFollower, streamable } from './stream.js';
import { usualSeconds } from './stats.js';
import { renderTimingChart } from './chart.js';

const DEFAULT_POLL_SECONDS = 2;
const MAX_BACKOFF_SECONDS = 30;
const TERMINAL = new Set(['running', 'failed', 'cancelled']);
const STATE_TEXT = { pending: 'Pending', active: 'In progress', completed: 'Completed', error: 'Failed', cancelled: 'Cancelled' };

// What error.reason means, for a person (the message says the details).
const REASON_TEXT = {
  workflow: 'The workflow reported a failure',
  timed_out: 'The workflow run reached its time limit',
  dispatch_failed: 'The workflow could not be started',
  dispatch_not_started: 'The workflow run never started',
  silent: 'The workflow stopped reporting',
  too_long: 'Provisioning took too long',
  github_failed: 'The GitHub workflow run failed',
  github_cancelled: 'The GitHub workflow run was cancelled',
  github_timed_out: 'The GitHub workflow run timed out',
  github_run_missing: 'GitHub has no workflow run for this job',
  cancel_unconfirmed: 'The cancellation was not confirmed',
};
const WAITING_TEXT = { runner: 'Waiting for a GitHub runner' };

const $ = (id) => document.getElementById(id);

// Who is signed in (auth.js); without sign-in configured it adds no headers.
let auth = { enabled: false, account: null, headers: async () => ({}), mayOperate: async () => true };

/** The API's base URL: config.json's apiBaseUrl, or this page's own origin when it is empty or missing. */
async function loadApiBase() {
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (response.ok) {
      const config = await response.json();
      if (typeof config.apiBaseUrl === 'string') {
        return config.apiBaseUrl.replace(/\/+$/, '');
      }
    }
  } catch {
    // No config: same origin.
  }
  return '';
}

function parseSeconds(value) {
  const seconds = Number.parseInt(value ?? '', 10);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

function since(iso, now = Date.now()) {
  return iso ? now - Date.parse(iso) : NaN;
}

/** Polls one status URL until the job failed, or is running with no health to follow. */
class Poller {
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    this.etag = null;
    this.failures = 0;
    this.timer = null;
    this.inFlight = false;
    this.stopped = false;
  }

  start() {
    this.tick();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  async tick() {
    if (this.inFlight || this.stopped) return;
    this.inFlight = true;
    let delaySeconds = DEFAULT_POLL_SECONDS;
    try {
      const headers = { Accept: 'application/json', ...(await auth.headers()) };
      if (this.etag) headers['If-None-Match'] = this.etag;
      // no-store: the page does its own revalidation, so a 304 reaches it as a 304.
      const response = await fetch(this.url, { headers, cache: 'no-store' });
      const retryAfter = parseSeconds(response.headers.get('Retry-After'));
      if (response.status === 304) {
        delaySeconds = retryAfter ?? DEFAULT_POLL_SECONDS;
      } else if (response.ok) {
        this.etag = response.headers.get('ETag');
        const document = await response.json();
        this.handlers.onDocument(document);
        if (!keepPolling(document)) this.stop();
        delaySeconds = retryAfter ?? (document.status === 'running' ? HEALTH_POLL_SECONDS : DEFAULT_POLL_SECONDS);
      } else if (response.status >= 500 || response.status === 429) {
        throw Object.assign(new Error(`the API answered ${response.status}`), { retryAfter });
      } else {
        const problem = await response.json().catch(() => ({}));
        this.handlers.onGone(response.status, refusalText(response.status, problem.detail ?? `The API answered ${response.status}.`));
        this.stop();
      }
      this.failures = 0;
      this.handlers.onConnection(null);
    } catch (error) {
      this.failures += 1;
      const backoff = Math.min(DEFAULT_POLL_SECONDS * 2 ** this.failures, MAX_BACKOFF_SECONDS);
      delaySeconds = Math.max(backoff, error.retryAfter ?? 0);
      this.handlers.onConnection(delaySeconds);
    } finally {
      this.inFlight = false;
      if (!this.stopped) {
        this.timer = setTimeout(() => this.tick(), delaySeconds * 1000);
      }
    }
  }
}

/** Draws a status document; keeps the live parts (elapsed, active step time) ticking between polls. */
class JobView {
  constructor(ctx) {
    this.ctx = ctx;
    this.document = null;
    this.renders = 0;
    this.announced = '';
    setInterval(() => this.tick(), 1000);
  }

  show(document) {
    // Another job (a retry's next attempt, a tear-down): its own steps, from scratch.
    if (this.document && this.document.job_id !== document.job_id) $('steps').replaceChildren();
    this.document = document;
    this.renders += 1;
    $('job').hidden = false;
    $('job').dataset.renders = String(this.renders);
    $('agent-name').textContent = document.agent_id;
    $('region-name').textContent = document.region;
    $('job-id').textContent = document.job_id;
    const status = $('status');
    status.dataset.status = document.status;
    status.textContent = statusText(document.kind, document.status);
    window.document.title = `${statusText(document.kind, document.status)} · ${document.agent_id} · Agent provisioning`;

    this.renderSteps(document);
    this.renderServer(document.server);
    this.renderRunLink(document.workflow_run_url);
    renderHealth(document.health);
    renderWaiting(document);
    renderActions(document, this.ctx);
    renderAttempts(document, this.ctx);
    renderLifetime(document, this.ctx);
    this.renderTiming(document);
    this.tick();
    this.announce(document);
  }

  /** The timing chart, once the region's usual step times are known (asked once per region). */
  renderTiming(document) {
    usualSeconds(this.ctx, document.region).then((usual) => {
      if (this.document === document) renderTimingChart(document, usual);
    });
  }

  renderSteps(document) {
    const list = $('steps');
    for (const step of document.steps) {
      let item = list.querySelector(`[data-step="${step.id}"]`);
      if (!item) {
        item = window.document.createElement('li');
        item.className = 'step';
        item.dataset.step = step.id;
        item.innerHTML = '<span class="step-icon" aria-hidden="true"></span>'
          + '<span><span class="step-label"></span><span class="step-state"></span></span>'
          + '<span class="step-time"></span>';
        list.append(item);
      }
      item.dataset.state = step.state;
      item.querySelector('.step-label').textContent = step.label;
      item.querySelector('.step-state').textContent = STATE_TEXT[step.state] ?? step.state;
      if (step.state === 'active') item.setAttribute('aria-current', 'step');
      else item.removeAttribute('aria-current');

      const time = item.querySelector('.step-time');
      time.dataset.started = step.started_at ?? '';
      time.title = step.started_at ? `Started ${localTime(step.started_at)}` : '';
      time.textContent = step.completed_at ? duration(Date.parse(step.completed_at) - Date.parse(step.started_at)) : '';
      renderStepTiming(item, step);

      let error = item.querySelector('.step-error');
      if (step.state === 'error' && document.error) {
        if (!error) {
          error = window.document.createElement('p');
          error.className = 'step-error';
          item.append(error);
        }
        renderError(error, document.error);
      } else if (error) {
        error.remove();
      }
    }
  }

  renderServer(server) {
    $('server').hidden = !server;
    if (!server) return;
    $('server-id').textContent = server.id ?? '–';
    $('server-ip').textContent = server.ip ?? '–';
    $('tailscale-ip').textContent = server.tailscale_ip ?? '–';
  }

  renderRunLink(url) {
    const safe = typeof url === 'string' && /^https?:\/\//i.test(url);
    $('run-link').hidden = !safe;
    if (safe) $('run-link').querySelector('a').href = url;
  }

  /** Live text only: elapsed time, the active step's running time, the heartbeat's age. */
  tick() {
    const document = this.document;
    if (!document) return;
    const terminal = TERMINAL.has(document.status);
    const end = terminal ? Date.parse(document.updated_at) : Date.now();
    $('elapsed').textContent = duration(end - Date.parse(document.created_at));
    $('heartbeat').textContent = document.last_heartbeat_at ? `${duration(since(document.last_heartbeat_at))} ago` : '–';
    $('heartbeat').title = localTime(document.last_heartbeat_at);
    const active = $('steps').querySelector('[data-state="active"] .step-time');
    if (active && active.dataset.started) {
      active.textContent = duration(since(active.dataset.started));
    }
    tickHealth(document.health);
    tickLifetime(document);
    renderEstimate(terminal ? null : document.estimated_completion_at);
  }

  /** Tells screen readers what changed: the step now in progress, or how it ended. */
  announce(document) {
    const active = document.steps.find((s) => s.state === 'active');
    const failed = document.steps.find((s) => s.state === 'error');
    let message;
    if (isDeprovision(document) && document.status === 'running') message = `The server of agent ${document.agent_id} is removed.`;
    else if (document.status === 'running' && document.health && document.health.state !== 'unknown') message = `Agent ${document.agent_id} is running. Health: ${healthText(document.health)}.`;
    else if (document.status === 'running') message = `Provisioning complete: agent ${document.agent_id} is running.`;
    else if (document.status === 'cancelled') message = `The run for agent ${document.agent_id} is cancelled.`;
    else if (document.status === 'failed') message = `${isDeprovision(document) ? 'Removing the server' : 'Provisioning'} failed at ${failed?.label ?? 'an unknown step'}: ${document.error?.message ?? ''}`;
    else if (active) message = `${active.label} in progress.`;
    if (message && message !== this.announced) {
      this.announced = message;
      $('announcer').textContent = message;
    }
  }
}

/** The usual duration of a step ("usually 2 min") and the slow marker, from expected_seconds and slow. */
function renderStepTiming(item, step) {
  let usual = item.querySelector('.step-usual');
  if (!usual) {
    usual = window.document.createElement('span');
    usual.className = 'step-usual';
    item.querySelector('.step-label').after(usual);
  }
  const expected = Number.isFinite(step.expected_seconds) && step.state !== 'pending' ? step.expected_seconds : null;
  usual.textContent = expected === null ? '' : `usually ${duration(expected * 1000)}`;
  item.dataset.slow = step.slow ? 'true' : 'false';
  let slow = item.querySelector('.step-slow');
  if (step.slow && !slow) {
    slow = window.document.createElement('span');
    slow.className = 'step-slow';
    slow.textContent = 'Slow';
    slow.title = 'This step is taking more than twice its usual time.';
    usual.after(slow);
  } else if (!step.slow && slow) {
    slow.remove();
  }
}

/** The error on its step: the reason in words, the message, the failed step, the log when GitHub gave one. */
function renderError(element, error) {
  element.textContent = '';
  const reason = REASON_TEXT[error.reason];
  if (reason) {
    const strong = window.document.createElement('strong');
    strong.className = 'error-reason';
    strong.dataset.reason = error.reason;
    strong.textContent = `${reason}. `;
    element.append(strong);
  }
  element.append(`${error.message} (failed step: ${error.failed_step})`);
  if (typeof error.log_url === 'string' && /^https?:\/\//i.test(error.log_url)) {
    const link = window.document.createElement('a');
    link.className = 'error-log';
    link.href = error.log_url;
    link.rel = 'noopener noreferrer';
    link.target = '_blank';
    link.textContent = 'View the log';
    element.append(' ', link);
  }
}

function renderWaiting(document) {
  const text = WAITING_TEXT[document.waiting_for] ?? null;
  $('waiting').hidden = !text;
  $('waiting').textContent = text ?? '';
}

/** "about N min left" from estimated_completion_at, counting down between polls. */
function renderEstimate(iso) {
  const fact = $('eta-fact');
  const at = iso ? Date.parse(iso) : NaN;
  fact.hidden = !Number.isFinite(at);
  if (fact.hidden) return;
  const left = at - Date.now();
  $('eta').textContent = left <= 0 ? 'longer than usual'
    : left < 60_000 ? 'less than a minute left' : `about ${Math.round(left / 60_000)} min left`;
  $('eta').title = `Expected at ${localTime(iso)}, from the durations of recent runs`;
}

function showNotice(delaySeconds) {
  const notice = $('notice');
  if (delaySeconds === null) {
    notice.hidden = true;
    notice.textContent = '';
    return;
  }
  notice.hidden = false;
  notice.textContent = `Cannot reach the API. Reconnecting in ${delaySeconds} s…`;
}

// The job shown: one view, one poller at a time (an action can switch to another job).
let current = null;

/** Follows a status URL; a document in hand (an action's answer) is drawn at once. */
function follow(ctx, url, document) {
  current?.poller.stop();
  const view = current?.view ?? new JobView(ctx);
  if (document) view.show(document);
  const handlers = {
    onDocument: (next) => {
      // A poll answered before an action's answer must not draw the job back in time.
      const shown = view.document;
      if (shown && shown.job_id === next.job_id && Date.parse(next.updated_at) < Date.parse(shown.updated_at)) return;
      view.show(next);
    },
    onConnection: showNotice,
    onGone: (status, detail) => {
      $('job').hidden = true;
      $('missing').hidden = false;
      $('missing-title').textContent = status === 401 || status === 403 ? 'Not allowed' : 'Not found';
      $('missing-text').textContent = detail;
    },
  };
  // A job's page follows its event stream, falling back to polling; an agent's newest job is polled.
  const poller = streamable(url)
    ? new StreamFollower(url, handlers, () => auth.headers(), () => new Poller(url, handlers))
    : new Poller(url, handlers);
  poller.start();
  current = { view, poller, url };
  return current;
}

/** What the page's modules need: the API, the token, whether to offer Operator actions, and a way to show or follow a job. */
function context(api, operator) {
  const ctx = {
    api,
    headers: () => auth.headers(),
    operator,
    // An action's answer for the job shown: draw it, and poll again if polling had stopped.
    show: (document) => {
      if (current?.poller.stopped && keepPolling(document)) follow(ctx, current.url, document);
      else current?.view.show(document);
    },
    // A new job (a retry's attempt, a tear-down): its address, its document, its polling.
    follow: (jobId, document) => {
      history.pushState(null, '', `?job_id=${encodeURIComponent(jobId)}`);
      follow(ctx, `${api}/api/jobs/${encodeURIComponent(jobId)}`, document);
    },
  };
  return ctx;
}

function setupForm(api, ctx) {
  const section = $('create');
  const form = $('create-form');
  const error = $('create-error');
  const button = $('create-button');
  section.hidden = false;
  // Creating a job needs the Operator role: anyone else gets the way to follow one by its id.
  if (!ctx.operator) {
    form.hidden = true;
    $('follow').hidden = false;
    $('follow-job-id').focus();
    return;
  }
  $('agent-id').focus();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    if (!form.checkValidity()) {
      const invalid = form.querySelector(':invalid');
      error.textContent = invalid?.id === 'region'
        ? 'Region: use lower-case letters, digits or -, up to 32 characters.'
        : 'Agent id: use 1 to 64 letters, digits, _ or -.';
      error.hidden = false;
      invalid?.focus();
      return;
    }

    button.disabled = true;
    try {
      const response = await fetch(`${api}/api/jobs`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID(), ...(await auth.headers()) },
        body: JSON.stringify({ agent_id: $('agent-id').value, region: $('region').value }),
      });
      const body = await response.json().catch(() => ({}));
      if (response.status === 202) {
        history.replaceState(null, '', `?job_id=${encodeURIComponent(body.job_id)}`);
        section.hidden = true;
        follow(ctx, `${api}/api/jobs/${encodeURIComponent(body.job_id)}`, body);
        return;
      }
      error.textContent = refusalText(response.status, body.detail ?? `The API answered ${response.status}.`);
      if (response.status === 409 && body.job_id) {
        const link = document.createElement('a');
        link.href = `?job_id=${encodeURIComponent(body.job_id)}`;
        link.textContent = ' Follow that job.';
        error.append(link);
      }
      error.hidden = false;
    } catch {
      error.textContent = 'Cannot reach the API. Check your connection and try again.';
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
}

async function main() {
  const api = await loadApiBase();
  auth = await createAuth();
  showAccount(auth, $('account'));
  if (auth.enabled && !auth.account) {
    $('signed-out').hidden = false;
    $('signed-out-button').addEventListener('click', () => auth.signIn());
    return;
  }

  const ctx = context(api, await auth.mayOperate());
  // The page's own history entries (a followed attempt, a runs filter): going back shows that address afresh.
  window.addEventListener('popstate', () => location.reload());
  const params = new URLSearchParams(location.search);
  const jobId = params.get('job_id');
  const agentId = params.get('agent_id');
  if (params.get('view') === 'runs') {
    showRuns(ctx, params.get('status'));
  } else if (jobId) {
    follow(ctx, `${api}/api/jobs/${encodeURIComponent(jobId)}`);
  } else if (agentId) {
    follow(ctx, `${api}/api/agents/${encodeURIComponent(agentId)}/provisioning`);
  } else {
    setupForm(api, ctx);
  }
}

main();
