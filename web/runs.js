// The runs list (/?view=runs): GET /api/jobs newest first, 25 a page, filtered by status. The
// filter is in the address (&status=…), so a filtered list can be shared and reloaded; "Next
// page" follows the continuation token and "First page" starts again.

import { call, problemText, UNREACHABLE } from './api.js';
import { statusText } from './lifecycle.js';
import { duration, localTime, pageLink, shortId } from './format.js';
import { showStepStats } from './stats.js';

const LIMIT = 25;
const STATUSES = ['queued', 'provisioning', 'running', 'failed', 'cancelling', 'cancelled'];
const $ = (id) => document.getElementById(id);

const state = { ctx: null, status: '', continuation: null, page: 1, generation: 0 };

/** Shows the runs view for the status in the address (empty: every status). */
export function showRuns(ctx, status) {
  state.ctx = ctx;
  state.status = status ?? '';
  document.querySelector('main').classList.add('wide');
  $('runs').hidden = false;
  window.document.title = 'Runs · Agent provisioning';

  const select = $('runs-status');
  for (const value of STATUSES) {
    select.append(new Option(statusText('provision', value).replace('…', ''), value));
  }
  select.value = STATUSES.includes(state.status) ? state.status : '';
  select.addEventListener('change', () => {
    state.status = select.value;
    const query = new URLSearchParams({ view: 'runs' });
    if (state.status) query.set('status', state.status);
    history.pushState(null, '', `?${query}`);
    load(null);
  });
  $('runs-refresh').addEventListener('click', () => load(null));
  $('runs-first').addEventListener('click', () => load(null));
  $('runs-next').addEventListener('click', () => load(state.continuation));
  load(null);
  showStepStats(ctx);
}

async function load(continuation) {
  const generation = ++state.generation;
  const buttons = [$('runs-refresh'), $('runs-next'), $('runs-first'), $('runs-status')];
  for (const element of buttons) element.disabled = true;
  $('runs').setAttribute('aria-busy', 'true');
  showMessage('Loading…', 'progress');
  const query = new URLSearchParams({ limit: String(LIMIT) });
  if (state.status) query.set('status', state.status);
  if (continuation) query.set('continuation', continuation);
  try {
    const answer = await call(state.ctx, 'GET', `/api/jobs?${query}`);
    if (generation !== state.generation) return;
    if (!answer.ok) {
      // The rows shown stay: a refused page loses nothing.
      showMessage(problemText(answer), 'error');
      return;
    }
    const jobs = answer.body.jobs ?? [];
    $('runs-rows').replaceChildren(...jobs.map(row));
    state.page = continuation ? state.page + 1 : 1;
    state.continuation = answer.body.continuation ?? null;
    $('runs-table').hidden = jobs.length === 0;
    $('runs-empty').hidden = jobs.length > 0;
    $('runs-empty').textContent = state.status ? `No ${statusText('provision', state.status).replace('…', '').toLowerCase()} runs.` : 'No runs yet.';
    $('runs-next').hidden = !state.continuation;
    $('runs-first').hidden = state.page === 1;
    $('runs-page').textContent = state.page > 1 || state.continuation ? `Page ${state.page}` : '';
    showMessage('', null);
  } catch {
    if (generation === state.generation) showMessage(UNREACHABLE, 'error');
  } finally {
    if (generation === state.generation) {
      for (const element of buttons) element.disabled = false;
      $('runs').setAttribute('aria-busy', 'false');
    }
  }
}

function row(job) {
  const tr = document.createElement('tr');
  tr.dataset.jobId = job.job_id;
  tr.dataset.status = job.status;
  const id = pageLink({ job_id: job.job_id }, shortId(job.job_id));
  id.title = job.job_id;
  tr.append(
    cell(id, 'job'),
    cell(job.kind, 'kind'),
    cell(pageLink({ agent_id: job.agent_id }, job.agent_id), 'agent'),
    cell(job.region, 'region'),
    cell(statusText(job.kind, job.status), 'status'),
    cell(String(job.attempt), 'attempt'),
    cell(localTime(job.created_at), 'created'),
    cell(job.duration_seconds == null ? '–' : duration(job.duration_seconds * 1000), 'duration'),
    cell(job.failed_step ?? '–', 'failed-step'),
  );
  return tr;
}

function cell(content, className) {
  const td = document.createElement('td');
  td.className = className;
  td.append(content);
  return td;
}

function showMessage(text, kind) {
  const message = $('runs-message');
  message.textContent = text;
  message.hidden = !text;
  message.dataset.kind = kind ?? '';
}
