// The live feed: EventSource on /api/v1/events/stream. Every SSE id is an event-log id, so
// - while the browser's EventSource reconnects by itself it sends Last-Event-ID and the gateway replays the gap;
// - when it gives up (an HTTP error, e.g. a restarting gateway), a new EventSource cannot send that header, so we
//   read the gap from GET /api/v1/events?after=<last id> instead, holding live messages back until that is done;
// - an id at or below the last one applied is a duplicate of one of those paths and is dropped.

const LAST_KEY = 'safecity.console.lastEventId';

export class EventStream {
  constructor(api, { onEvent, onState, onReset, onExpired, onResumed }) {
    this.api = api;
    this.onEvent = onEvent;
    this.onState = onState;
    this.onReset = onReset;
    this.onExpired = onExpired;
    this.onResumed = onResumed;
    const saved = sessionStorage.getItem(LAST_KEY);
    this.lastId = saved ? Number(saved) : null;
    this.es = null;
    this.held = null; // live messages waiting for a catch-up read to finish, or null when none runs
    this.retryMs = 1000;
    this.timer = null;
    this.expired = false;
    window.addEventListener('offline', () => this.es && this.onState('down', 'browser is offline'));
  }

  start() {
    this.stop();
    this.expired = false;
    this.open();
  }

  stop() {
    clearTimeout(this.timer);
    if (this.es) {
      this.es.close();
      this.es = null;
    }
  }

  /** Logging out on purpose: the next session starts at the live edge. */
  forget() {
    this.stop();
    this.lastId = null;
    sessionStorage.removeItem(LAST_KEY);
  }

  open() {
    const fresh = this.lastId !== null; // a new EventSource starts at the live edge: the gap comes over REST
    const es = new EventSource('/api/v1/events/stream?access_token=' + encodeURIComponent(this.api.token));
    this.es = es;
    this.onState('connecting', 'connecting…');
    if (fresh) {
      this.held = [];
    }
    es.onopen = () => {
      this.retryMs = 1000;
      this.onState('live', 'live');
      if (fresh && es === this.es) {
        this.catchUp(es);
      }
      this.onResumed();
    };
    es.onmessage = (m) => this.deliver(Number(m.lastEventId), JSON.parse(m.data));
    es.addEventListener('reset', (m) => {
      const d = JSON.parse(m.data);
      this.setLast(Number(d.currentId));
      this.onReset(d);
    });
    es.addEventListener('position', (m) => {
      // Sent at the live edge on connect: the resume point before any event of ours has arrived.
      if (this.lastId === null) {
        this.setLast(Number(JSON.parse(m.data).lastId));
      }
    });
    es.addEventListener('token-expired', () => {
      this.expired = true;
    });
    es.onerror = () => {
      if (es !== this.es) {
        return;
      }
      if (es.readyState === EventSource.CONNECTING) {
        // The browser reconnects by itself with Last-Event-ID; say so plainly meanwhile.
        this.onState('down', 'disconnected — reconnecting…');
        return;
      }
      es.close();
      this.es = null;
      if (this.expired || Date.now() >= this.api.session.expiresAt) {
        this.onState('idle', 'session expired');
        this.onExpired();
        return;
      }
      this.onState('down', 'disconnected — reconnecting in ' + Math.round(this.retryMs / 1000) + ' s…');
      this.timer = setTimeout(() => this.open(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 15000);
    };
  }

  async catchUp(es) {
    try {
      for (;;) {
        const page = await this.api.get('/api/v1/events?limit=500&after=' + this.lastId);
        if (es !== this.es) {
          return;
        }
        page.events.forEach((e) => this.apply(e.id, e));
        if (!page.hasMore) {
          break;
        }
        this.setLast(Math.max(this.lastId, page.nextAfter));
      }
    } catch (e) {
      // The live stream carries on; the gap read failed (e.g. offline again): the next reconnect tries again.
    }
    const waiting = this.held || [];
    this.held = null;
    waiting.forEach(([id, e]) => this.apply(id, e));
  }

  deliver(id, event) {
    if (this.held) {
      this.held.push([id, event]);
    } else {
      this.apply(id, event);
    }
  }

  apply(id, event) {
    if (this.lastId !== null && id <= this.lastId) {
      return;
    }
    this.setLast(id);
    this.onEvent(event);
  }

  setLast(id) {
    this.lastId = id;
    sessionStorage.setItem(LAST_KEY, String(id));
  }
}
