// The job card's actions (docs/lifecycle.md, "On the page"): Cancel, Retry, Retry from the
// failed step, Remove server, and the links between attempts. The actions need the Operator
// role, so they are offered only when ctx.operator says so (auth.js: the token's roles, or
// sign-in off); anyone else reads which of them an Operator could take. The API still decides:
// each action shows its progress and its error (a 403 too) in place, under the buttons; its
// buttons are disabled while its request runs.
// The buttons are rebuilt only when what the document allows changes, so a poll never wipes
// an open confirmation or an error being read.

import { call, problemText, UNREACHABLE } from './api.js';
import { canCancel, canRemoveServer, canRetry, isDeprovision, resumableStep } from './lifecycle.js';
import { localTime, pageLink, shortId } from './format.js';

const $ = (id) => document.getElementById(id);

const state = { key: null, busy: false, document: null, ctx: null, expiry: null };

/** What the document allows, as a key: the buttons are rebuilt when it changes. */
function allowed(job) {
  const resume = resumableStep(job);
  return [
    job.job_id,
    canCancel(job) ? 'cancel' : '',
    job.status === 'cancelling' ? 'cancelling' : '',
    canRetry(job) ? 'retry' : '',
    resume ? `resume:${resume.id}` : '',
    job.next_job_id ? `next:${job.next_job_id}` : '',
    job.previous_job_id ? `previous:${job.previous_job_id}` : '',
    canRemoveServer(job) ? 'remove' : '',
  ].join('|');
}

/** Draws the actions for a document (called on every render of the job card). */
export function renderActions(job, ctx) {
  state.document = job;
  state.ctx = ctx;
  renderServerNote(job);
  if (state.busy) return; // redrawn when the request ends
  const key = allowed(job);
  if (key === state.key) return;
  const sameJob = state.key?.startsWith(`${job.job_id}|`);
  state.key = key;
  build(job, ctx);
  if (!sameJob) showMessage('', null);
  scheduleExpiry(job);
}

/** "Retry from …" goes when the server's keep window closes, without waiting for a poll (a failed job is not polled). */
function scheduleExpiry(job) {
  clearTimeout(state.expiry);
  const step = resumableStep(job);
  if (!step) return;
  const left = Date.parse(job.server.kept_until) - Date.now();
  state.expiry = setTimeout(() => {
    if (state.document?.job_id === job.job_id) renderActions(state.document, state.ctx);
  }, Math.min(left + 50, 2 ** 31 - 1));
}

function build(job, ctx) {
  const row = $('action-buttons');
  row.replaceChildren();

  if (job.previous_job_id) {
    row.append(pageLink({ job_id: job.previous_job_id }, `← Attempt ${job.attempt - 1}`, 'attempt-link previous-attempt'));
  }
  // What an Operator could do here, told to anyone who may not (in the order the buttons would stand).
  const forOperator = [];
  if (canCancel(job)) {
    if (ctx.operator) row.append(button('cancel-button', 'Cancel run', 'danger', () => cancel(job, ctx)));
    else forOperator.push('cancel this run');
  }
  if (job.status === 'cancelling') {
    const note = document.createElement('span');
    note.id = 'cancelling-note';
    note.className = 'action-note';
    note.textContent = 'Cancelling… the workflow run is being stopped and cleaned up.';
    row.append(note);
  }
  if (canRetry(job) && !ctx.operator) {
    forOperator.push('retry it');
  } else if (canRetry(job)) {
    row.append(button('retry-button', 'Retry', null, () => retry(job, ctx, 'start')));
    const step = resumableStep(job);
    if (step) {
      row.append(button('retry-step-button', `Retry from ${step.label}`, null, () => retry(job, ctx, 'failed_step')));
    }
  }
  if (job.next_job_id) {
    row.append(pageLink({ job_id: job.next_job_id }, `Attempt ${job.attempt + 1} →`, 'attempt-link next-attempt'));
  }
  if (canRemoveServer(job)) {
    if (ctx.operator) row.append(button('remove-server-button', 'Remove server', 'danger', () => removeServer(job, ctx)));
    else forOperator.push('remove its server');
  }
  if (forOperator.length > 0) {
    const note = document.createElement('span');
    note.id = 'operator-note';
    note.className = 'operator-note';
    note.textContent = `An Operator can ${forOperator.join(' or ')}.`;
    row.append(note);
  }
  $('actions').hidden = row.childElementCount === 0;
}

function button(id, text, className, onClick) {
  const element = document.createElement('button');
  element.type = 'button';
  element.id = id;
  element.textContent = text;
  if (className) element.className = className;
  element.addEventListener('click', onClick);
  return element;
}

async function cancel(job, ctx) {
  const yes = await confirmDialog({
    title: 'Cancel this run?',
    text: `The run for agent ${job.agent_id} stops; whatever it created is deleted.`,
    yes: 'Yes, cancel',
    no: 'Keep running',
  });
  if (!yes) return;
  await act('Cancelling…', () => call(ctx, 'POST', `/api/jobs/${encodeURIComponent(job.job_id)}/cancel`), (answer) => ctx.show(answer.body));
}

async function retry(job, ctx, from) {
  const progress = from === 'start' ? 'Starting a new attempt…' : 'Starting a new attempt from the failed step…';
  await act(progress, () => call(ctx, 'POST', `/api/jobs/${encodeURIComponent(job.job_id)}/retry`, { from }), (answer) => ctx.follow(jobIdOf(answer), answer.body));
}

async function removeServer(job, ctx) {
  const yes = await confirmDialog({
    title: 'Remove this server?',
    text: `Agent ${job.agent_id}'s server ${job.server.id} is deleted, with its Tailscale device and SSH key. The agent stops running.`,
    yes: 'Yes, remove it',
    no: 'Keep it',
  });
  if (!yes) return;
  await act('Removing the server…', () => call(ctx, 'DELETE', `/api/agents/${encodeURIComponent(job.agent_id)}/server`), (answer) => ctx.follow(jobIdOf(answer), answer.body));
}

/** The new job's id: the document's job_id, else the Location's last segment. */
function jobIdOf(answer) {
  return answer.body?.job_id ?? decodeURIComponent((answer.location ?? '').split('/').pop());
}

/** Runs one action's request: buttons off, progress shown; on 202 the caller's follow-up, else the refusal in place. */
async function act(progress, request, onAccepted) {
  state.busy = true;
  setDisabled(true);
  showMessage(progress, 'progress');
  let accepted = false;
  try {
    const answer = await request();
    if (answer.status === 202) {
      accepted = true;
      showMessage('', null);
      onAccepted(answer);
    } else {
      showMessage(problemText(answer), 'error', answer.body?.job_id);
    }
  } catch {
    showMessage(UNREACHABLE, 'error');
  } finally {
    state.busy = false;
    setDisabled(false);
    if (accepted) state.key = null; // draw what the new document allows
    if (state.document) renderActions(state.document, state.ctx);
  }
}

function setDisabled(disabled) {
  for (const element of $('action-buttons').querySelectorAll('button')) element.disabled = disabled;
  $('actions').setAttribute('aria-busy', String(disabled));
}

/** The line under the buttons: progress, or the refusal (with a link to the job it names). */
function showMessage(text, kind, jobId) {
  const message = $('action-message');
  message.replaceChildren(text);
  message.hidden = !text;
  message.dataset.kind = kind ?? '';
  if (kind === 'error' && jobId && jobId !== state.document?.job_id) {
    message.append(' ', pageLink({ job_id: jobId }, 'Follow that job.'));
  }
}

/** The in-page confirmation (a modal <dialog>): resolves true for the first button, false for the other or Escape. */
function confirmDialog({ title, text, yes, no }) {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-yes').textContent = yes;
  $('confirm-no').textContent = no;
  dialog.returnValue = '';
  dialog.showModal();
  $('confirm-no').focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
  });
}

/** Under the server's facts: when it was removed (and by which job), or how long it is kept for a retry. */
function renderServerNote(job) {
  const note = $('server-note');
  note.replaceChildren();
  const server = job.server;
  if (server?.removed_at) {
    note.append(`Server removed at ${localTime(server.removed_at)}`);
    if (server.removed_by_job_id) {
      note.append(' by ', pageLink({ job_id: server.removed_by_job_id }, `job ${shortId(server.removed_by_job_id)}`, 'removed-by'));
    }
    note.append('.');
  } else if (server?.kept_until && job.status === 'failed' && !isDeprovision(job) && Date.parse(server.kept_until) > Date.now()) {
    note.append(`The server is kept until ${localTime(server.kept_until)} for a retry from the failed step.`);
  }
  note.hidden = note.childNodes.length === 0;
  note.dataset.removed = server?.removed_at ? 'true' : 'false';
}
