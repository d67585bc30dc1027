// The job's timing chart: an inline SVG drawn with DOM calls (no library, nothing inline for the
// CSP to refuse), one row per step: its span as a bar, its usual duration (the region's p50,
// stats.js) as a tick. The failed step is marked by a hatched bar, a cross and the word
// "failed", not by colour alone. The SVG is an image with a title and a description that say
// the same in words.

import { duration } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 600;
const LABEL = 190;
const ROW = 26;
const $ = (id) => document.getElementById(id);

function element(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Seconds a step took, or has taken so far; null before it started. */
function spanSeconds(step, failedAt, now) {
  if (!step.started_at) return null;
  const end = step.completed_at ?? (step.state === 'error' ? failedAt : null) ?? (step.state === 'active' ? now : null);
  return end ? Math.max(0, (Date.parse(end) - Date.parse(step.started_at)) / 1000) : null;
}

/** Draws (or hides) the chart for a document, with the usual seconds per step id. */
export function renderTimingChart(document, usual, now = new Date().toISOString()) {
  const figure = $('timing');
  const failedAt = document.status === 'failed' ? document.updated_at : null;
  const rows = document.steps.map((step) => ({ step, seconds: spanSeconds(step, failedAt, now), usual: usual[step.id] ?? null }));
  const scale = Math.max(1, ...rows.map((r) => Math.max(r.seconds ?? 0, r.usual ?? 0)));
  if (rows.every((r) => r.seconds === null)) {
    figure.hidden = true;
    return;
  }

  const height = rows.length * ROW + 8;
  const svg = element('svg', { viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-labelledby': 'timing-svg-title timing-svg-desc', class: 'timing-chart' });
  const words = [];
  svg.append(element('title', { id: 'timing-svg-title' }, 'How long each step took, against its usual time'));
  const desc = element('desc', { id: 'timing-svg-desc' });
  svg.append(desc);
  const defs = element('defs', {});
  const pattern = element('pattern', { id: 'timing-hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
  pattern.append(element('rect', { width: 6, height: 6, class: 'timing-hatch-ground' }), element('line', { x1: 0, y1: 0, x2: 0, y2: 6, class: 'timing-hatch-line' }));
  defs.append(pattern);
  svg.append(defs);

  const bar = (seconds) => Math.max(2, ((WIDTH - LABEL - 70) * seconds) / scale);
  rows.forEach(({ step, seconds, usual: typical }, i) => {
    const y = i * ROW + 4;
    const failed = step.state === 'error';
    const group = element('g', { class: `timing-row timing-${step.state}`, 'data-step': step.id });
    group.append(element('text', { x: 0, y: y + 15, class: 'timing-label' }, step.label));
    let said = `${step.label}: `;
    if (seconds === null) {
      said += 'not started';
    } else {
      group.append(element('rect', { x: LABEL, y: y + 3, width: bar(seconds), height: 14, rx: 2, class: failed ? 'timing-bar timing-bar-failed' : 'timing-bar', fill: failed ? 'url(#timing-hatch)' : undefined }));
      const text = `${failed ? '✕ failed after ' : ''}${duration(seconds * 1000)}${step.state === 'active' ? ' so far' : ''}`;
      group.append(element('text', { x: LABEL + bar(seconds) + 6, y: y + 15, class: 'timing-value' }, text));
      said += step.state === 'active' ? `${duration(seconds * 1000)} so far` : failed ? `failed after ${duration(seconds * 1000)}` : duration(seconds * 1000);
    }
    if (typical !== null) {
      const x = LABEL + bar(typical);
      group.append(element('line', { x1: x, y1: y, x2: x, y2: y + 20, class: 'timing-usual' }));
      said += ` (usually ${duration(typical * 1000)})`;
    }
    words.push(said);
    svg.append(group);
  });
  // A fill attribute set to "undefined" is dropped: only the failed bar is hatched.
  svg.querySelectorAll('[fill="undefined"]').forEach((node) => node.removeAttribute('fill'));
  desc.textContent = words.join('; ') + '.';
  $('timing-chart').replaceChildren(svg);
  figure.hidden = false;
}
