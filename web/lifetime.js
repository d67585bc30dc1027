// The server's lifetime and cost on the job card (docs/lifetime.md, docs/cost.md): the time left
// until expires_at, counting down between polls, with an Extend button (PATCH
// /api/agents/{agent_id}/server) for those who hold the Operator role, everyone when sign-in is
// off (ctx.operator, from auth.js; the API still decides, and a refusal is shown in place), and
// what the server has cost so far, or in the end.

import { call, problemText, UNREACHABLE } from './api.js';
import { duration, localTime } from './format.js';

const $ = (id) => document.getElementById(id);

/** How much one click of Extend adds, from now or from the current end, whichever is later. */
export const EXTEND_MINUTES = 60;

const state = { document: null, ctx: null, busy: false };

/** Draws the lifetime and cost facts of a document (called on every render of the job card). */
export function renderLifetime(job, ctx) {
  state.document = job;
  state.ctx = ctx;
  const cost = job.cost ?? null;
  $('cost-fact').hidden = !cost;
  if (cost) {
    const amount = cost.final_gross ?? cost.so_far_gross;
    $('cost').textContent = `${formatMoney(amount, cost.currency)}${cost.final_gross ? ' in total' : ' so far'}`;
    $('cost').title = `${formatMoney(cost.hourly_gross, cost.currency)} an hour (VAT included), every started hour since ${localTime(cost.since)}, at most the monthly price`;
  }
  $('expires-fact').hidden = !job.expires_at;
  tickLifetime(job);
  const extend = $('extend-button');
  extend.hidden = !ctx.operator;
  $('extend-note').hidden = Boolean(ctx.operator);
  if (!extend.dataset.wired) {
    extend.dataset.wired = 'true';
    extend.addEventListener('click', () => extendLifetime());
  }
}

/** The countdown: "42 min left", then "ending now" until the tear down takes the server. */
export function tickLifetime(job) {
  if (!job?.expires_at) return;
  const left = Date.parse(job.expires_at) - Date.now();
  $('expires').textContent = left <= 0 ? 'ending now' : `${duration(left)} left`;
  $('expires').title = `The server is removed at ${localTime(job.expires_at)}`;
}

async function extendLifetime() {
  const job = state.document;
  if (!job || state.busy) return;
  const message = $('extend-message');
  const from = Math.max(Date.now(), Date.parse(job.expires_at ?? '') || 0);
  const minutes = Math.min(43200, Math.ceil((from - Date.now()) / 60_000) + EXTEND_MINUTES);
  state.busy = true;
  $('extend-button').disabled = true;
  message.hidden = false;
  message.textContent = 'Extending…';
  try {
    const answer = await call(state.ctx, 'PATCH', `/api/agents/${encodeURIComponent(job.agent_id)}/server`, { ttl_minutes: minutes });
    if (answer.ok) {
      message.textContent = `Extended: the server now ends at ${localTime(answer.body.expires_at)}.`;
      state.ctx.show(answer.body);
    } else {
      message.textContent = problemText(answer);
    }
  } catch {
    message.textContent = UNREACHABLE;
  } finally {
    state.busy = false;
    $('extend-button').disabled = false;
  }
}

function formatMoney(amount, currency) {
  const value = Number(amount);
  if (!Number.isFinite(value)) return `${amount} ${currency}`;
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 4 }).format(value);
  } catch {
    return `${amount} ${currency}`;
  }
}
