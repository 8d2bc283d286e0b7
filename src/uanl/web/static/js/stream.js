// The dashboard event stream (Server-Sent Events) read with fetch(), not EventSource:
// fetch can send the token in the Authorization header, so it never appears in a URL
// (server logs, history). On a drop it reconnects with Last-Event-ID and the server
// replays what was missed.

import { API, refreshAccess, token } from './api.js';

const DEFAULT_RETRY_MS = 2000;

/** Parse one SSE block ("id: ...\nevent: ...\ndata: ...") into {id, event, data, retry}. */
function parseBlock(block) {
  const out = { data: [] };
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') out.data.push(value);
    else if (name === 'id' || name === 'event' || name === 'retry') out[name] = value;
  }
  return out;
}

/**
 * Stream events to onEvent({id, kind, data}); onStatus(true|false) tells whether the stream
 * is connected. Returns {close()}.
 */
export function openStream(onEvent, onStatus = () => {}) {
  let lastId = null;
  let retryMs = DEFAULT_RETRY_MS;
  let closed = false;
  let controller = null;

  async function connectOnce() {
    controller = new AbortController();
    const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${token()}` };
    if (lastId) headers['Last-Event-ID'] = lastId;
    const resp = await fetch(`${API}/dashboards/stream`, { headers, signal: controller.signal });
    if (resp.status === 401) {
      await refreshAccess();
      return;
    }
    if (!resp.ok || !resp.body) return;
    onStatus(true);
    const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = parseBlock(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (block.retry && /^\d+$/.test(block.retry)) retryMs = Number(block.retry);
        if (block.id) lastId = block.id;
        if (block.event && block.data.length) {
          let data;
          try {
            data = JSON.parse(block.data.join('\n'));
          } catch {
            continue;
          }
          onEvent({ id: block.id, kind: block.event, data });
        }
      }
    }
  }

  (async () => {
    while (!closed) {
      try {
        await connectOnce();
      } catch {
        // network drop or abort: fall through to the reconnect delay
      }
      if (closed) break;
      onStatus(false);
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  })();

  return {
    close() {
      closed = true;
      controller?.abort();
    },
  };
}
