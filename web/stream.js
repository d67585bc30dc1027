// Follows a job through its event stream (GET /api/jobs/{job_id}/events, docs/events.md) instead
// of polling: fetch, not EventSource, because EventSource cannot send the bearer token. Each
// `status` event is the whole document. The server ends the stream after a terminal document, or
// after a few minutes, when this opens it again with Last-Event-ID. Anything else (an API without
// the route, a refusal, a network failure, a browser that cannot read a body as a stream) hands
// the job to the poller, which also follows a running job's health once the stream has ended.

import { keepPolling } from './health.js';

const TERMINAL = new Set(['running', 'failed', 'cancelled']);

/** Whether a status URL has an event stream: a job's, not an agent's newest job. */
export function streamable(url) {
  return /\/api\/jobs\/[^/?]+$/.test(url);
}

/** The same surface as the poller (start, stop, stopped), over the stream; `poll()` makes the fallback. */
export class StreamFollower {
  constructor(url, handlers, headers, poll) {
    this.url = url;
    this.handlers = handlers;
    this.headers = headers;
    this.poll = poll;
    this.lastEventId = null;
    this.controller = null;
    this.fallback = null;
    this.ended = false;
  }

  get stopped() {
    return this.fallback ? this.fallback.stopped : this.ended;
  }

  start() {
    this.run();
  }

  stop() {
    this.ended = true;
    this.controller?.abort();
    this.fallback?.stop();
  }

  toPolling() {
    if (this.ended || this.fallback) return;
    this.fallback = this.poll();
    this.fallback.start();
  }

  async run() {
    while (!this.ended) {
      let last;
      try {
        this.controller = new AbortController();
        const headers = { Accept: 'text/event-stream', ...(await this.headers()) };
        if (this.lastEventId) headers['Last-Event-ID'] = this.lastEventId;
        const response = await fetch(`${this.url}/events`, { headers, cache: 'no-store', signal: this.controller.signal });
        const type = response.headers.get('Content-Type') ?? '';
        if (!response.ok || !response.body || !type.startsWith('text/event-stream')) {
          response.body?.cancel().catch(() => {});
          this.toPolling(); // the poller says what a refusal or an unknown job means
          return;
        }
        this.handlers.onConnection(null);
        last = await this.read(response.body);
      } catch {
        if (!this.ended) this.toPolling(); // the poller backs off and says it is reconnecting
        return;
      }
      if (last && TERMINAL.has(last.status)) {
        if (keepPolling(last)) this.toPolling(); // a running job's health is polled
        else this.ended = true;
        return;
      }
      // The server ended the stream on its own (its time limit): resume after the last event.
    }
  }

  /** Reads events until the server ends the stream; returns the last document. */
  async read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let last = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return last;
      buffer += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parseEvent(block);
        if (event?.name === 'status') {
          if (event.id) this.lastEventId = event.id;
          last = JSON.parse(event.data);
          this.handlers.onDocument(last);
        }
      }
    }
  }
}

/** One event's fields; null for a block of comment lines (the keep-alive). */
function parseEvent(block) {
  let id = null;
  let name = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 ? null : { id, name, data: data.join('\n') };
}
