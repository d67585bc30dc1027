// The agent's runs under the job card: GET /api/agents/{agent_id}/jobs, newest first, with
// "Show more" following the continuation token. Shown for every job whose agent has more than
// one run (its attempts, and a tear-down's deprovision job); fetched again when the job shown
// changes status, so its own row's outcome stays true.

import { call, problemText, UNREACHABLE } from './api.js';
import { statusText } from './lifecycle.js';
import { duration, localTime, pageLink, shortId } from './format.js';

const PAGE = 5;
const $ = (id) => document.getElementById(id);

const state = { key: null, agentId: null, jobId: null, continuation: null, rows: 0, busy: false, ctx: null, wired: false, generation: 0 };

/** Called on every render of the job card. */
export function renderAttempts(job, ctx) {
  state.ctx = ctx;
  if (!state.wired) {
    state.wired = true;
    $('attempts-more').addEventListener('click', () => load(false));
  }
  const key = `${job.job_id}|${job.status}|${job.next_job_id ?? ''}`;
  if (key === state.key) return;
  const sameAgent = state.agentId === job.agent_id;
  state.key = key;
  state.agentId = job.agent_id;
  state.jobId = job.job_id;
  // Again from the first page, as many rows as were shown (a refresh keeps what "Show more" opened).
  load(true, sameAgent ? Math.min(Math.max(state.rows, PAGE), 100) : PAGE);
}

async function load(first, limit = PAGE) {
  if (state.busy && !first) return;
  state.busy = true;
  // A first page replaces the rows: an answer from before it (a "Show more" page) is dropped.
  const generation = first ? ++state.generation : state.generation;
  const agentId = state.agentId;
  const more = $('attempts-more');
  more.disabled = true;
  const query = new URLSearchParams({ limit: String(limit) });
  if (!first && state.continuation) query.set('continuation', state.continuation);
  try {
    const answer = await call(state.ctx, 'GET', `/api/agents/${encodeURIComponent(agentId)}/jobs?${query}`);
    if (generation !== state.generation || agentId !== state.agentId) return; // a newer load replaced this one
    if (!answer.ok) {
      showError(problemText(answer));
      return;
    }
    showError('');
    const body = $('attempts-rows');
    if (first) {
      body.replaceChildren();
      state.rows = 0;
    }
    for (const job of answer.body.jobs ?? []) body.append(row(job));
    state.rows = body.childElementCount;
    state.continuation = answer.body.continuation ?? null;
    more.hidden = !state.continuation;
    // One run (this one) is no history: the section appears once there are two.
    $('attempts').hidden = state.rows < 2 && !state.continuation;
  } catch {
    showError(UNREACHABLE);
  } finally {
    state.busy = false;
    more.disabled = false;
  }
}

function row(job) {
  const tr = document.createElement('tr');
  tr.dataset.jobId = job.job_id;
  tr.dataset.status = job.status;
  if (job.job_id === state.jobId) tr.setAttribute('aria-current', 'page');
  const link = job.job_id === state.jobId
    ? Object.assign(document.createElement('span'), { textContent: `#${job.attempt} (this run)` })
    : pageLink({ job_id: job.job_id }, `#${job.attempt}`);
  link.title = job.job_id;
  tr.append(
    cell(link, 'attempt'),
    cell(job.kind, 'kind'),
    cell(statusText(job.kind, job.status), 'outcome'),
    cell(job.failed_step ?? '–', 'failed-step'),
    cell(job.duration_seconds == null ? '–' : duration(job.duration_seconds * 1000), 'duration'),
    cell(localTime(job.created_at), 'created'),
  );
  tr.querySelector('.created').title = `Job ${shortId(job.job_id)}`;
  return tr;
}

function cell(content, className) {
  const td = document.createElement('td');
  td.className = className;
  td.append(content);
  return td;
}

function showError(text) {
  $('attempts-error').textContent = text;
  $('attempts-error').hidden = !text;
  if (text) $('attempts').hidden = false;
}
