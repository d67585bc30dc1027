// Small formatting helpers shared by the status page's modules.

/** "2 min 5 s", "1 h 3 min", "12 s"; empty for a negative or unknown duration. */
export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s} s`;
  return `${s} s`;
}

export function localTime(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

/** The first block of a job id (a GUID), enough to tell jobs apart in a list. */
export function shortId(id) {
  return typeof id === 'string' ? id.split('-')[0] : '';
}

/** A link to another view of this page (?job_id=…, ?agent_id=…). */
export function pageLink(query, text, className) {
  const link = document.createElement('a');
  link.href = `?${new URLSearchParams(query)}`;
  link.textContent = text;
  if (className) link.className = className;
  return link;
}
