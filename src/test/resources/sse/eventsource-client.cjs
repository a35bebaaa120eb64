// Follows the gateway's event stream with the `eventsource` npm package (installed by .ci/install-sse-client;
// EventStreamIT puts its node_modules on NODE_PATH) and prints one JSON line per thing that happens. The
// library reconnects by itself when the connection drops, sending Last-Event-ID; nothing here helps it.
//
// usage: node eventsource-client.cjs URL TOKEN STOP_AT_N
//   exits 0 after the log event whose body has n == STOP_AT_N
'use strict';
const { EventSource } = require('eventsource');

const [url, token, stopAt] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

const es = new EventSource(url, {
  // EventSource has no way to set headers; the package lets the fetch be wrapped to add the token.
  fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } }),
});
es.onopen = () => out({ open: true });
es.onerror = (e) => out({ error: String(e.message || e.code || 'error') });
es.onmessage = (m) => {
  const event = JSON.parse(m.data);
  out({ id: Number(m.lastEventId), eventId: event.id, type: event.type, n: event.body.n });
  if (String(event.body.n) === stopAt) {
    es.close();
    process.exit(0);
  }
};
for (const name of ['position', 'reset', 'overflow', 'token-expired']) {
  es.addEventListener(name, (m) => out({ notice: name, id: Number(m.lastEventId), data: JSON.parse(m.data) }));
}
setTimeout(() => {
  out({ error: 'gave up after 120 s' });
  process.exit(2);
}, 120000).unref();
