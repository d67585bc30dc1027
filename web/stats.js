// Step statistics (GET /api/stats/steps, docs/step-timing.md "Statistics"): the table under the
// runs list, and each region's usual (p50) step durations for a job's timing chart.

import { call } from './api.js';
import { duration } from './format.js';

const STEP_TEXT = { queued: 'Queued', creating: 'Creating Server', installing: 'Installing Dependencies', configuring: 'Configuring Agent', running: 'Running' };
const DAYS = 30;
const $ = (id) => document.getElementById(id);
const medians = new Map();

/** The table of every region's step statistics under the runs list; hidden when there are none or the API refuses. */
export async function showStepStats(ctx) {
  try {
    const answer = await call(ctx, 'GET', `/api/stats/steps?days=${DAYS}`);
    const steps = answer.ok ? answer.body.steps ?? [] : [];
    $('step-stats-rows').replaceChildren(...steps.map((s) => {
      const tr = document.createElement('tr');
      tr.dataset.region = s.region;
      tr.dataset.step = s.step;
      for (const [text, className] of [
        [s.region, 'region'], [STEP_TEXT[s.step] ?? s.step, 'step'], [String(s.count), 'count'],
        [duration(s.p50_seconds * 1000), 'p50'], [duration(s.p95_seconds * 1000), 'p95']]) {
        const td = document.createElement('td');
        td.className = className;
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    }));
    $('step-stats').hidden = steps.length === 0;
  } catch {
    $('step-stats').hidden = true;
  }
}

/** A region's usual seconds per step ({creating: 58, …}); empty when unknown. Asked once per region. */
export function usualSeconds(ctx, region) {
  if (!medians.has(region)) {
    medians.set(region, call(ctx, 'GET', `/api/stats/steps?region=${encodeURIComponent(region)}&days=${DAYS}`)
      .then((answer) => Object.fromEntries((answer.ok ? answer.body.steps ?? [] : []).map((s) => [s.step, s.p50_seconds])))
      .catch(() => ({})));
  }
  return medians.get(region);
}
