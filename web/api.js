// One call to the API with the page's token (when sign-in is on): the answer's status, its JSON
// body (a problem document on refusal) and the Location header. A network failure throws.

import { refusalText } from './auth.js';

export async function call(ctx, method, path, body) {
  const headers = { Accept: 'application/json', ...(await ctx.headers()) };
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`${ctx.api}${path}`, init);
  const json = await response.json().catch(() => ({}));
  return { status: response.status, ok: response.ok, body: json, location: response.headers.get('Location') };
}

/** What to tell a person about a refused call: the problem's detail, worded for 401 and 403. */
export function problemText(answer) {
  return refusalText(answer.status, answer.body?.detail ?? `The API answered ${answer.status}.`);
}

export const UNREACHABLE = 'Cannot reach the API. Check your connection and try again.';
