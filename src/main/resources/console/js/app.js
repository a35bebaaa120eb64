// The command-centre console: wires the API and the live stream to the page. No framework, no build step.
import { Api } from './api.js';
import { EventStream } from './stream.js';

const $ = (sel) => document.querySelector(sel);
const api = new Api();
const FEED_MAX = 300;
let selected = null; // the incident shown in the panel
let proposal = null; // the unit proposed for it
let cameraShown = null;

const stream = new EventStream(api, {
  onEvent,
  onState: (state, text) => {
    const c = $('#conn');
    c.className = 'conn ' + state;
    c.textContent = text;
  },
  onReset: (d) => {
    notice('feed reset: ' + d.reason + ' — lists reloaded');
    refreshAll();
  },
  onExpired: () => showLogin('Your session expired; log in again to resume the feed.'),
  onResumed: () => refreshAll(), // what changed while away is in the lists too
});
api.onUnauthorized = (why) => {
  stream.stop();
  showLogin('Logged out: ' + why);
};

// ---- login ----

$('#login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('#login-error').textContent = '';
  try {
    await api.login($('#username').value, $('#password').value);
    $('#password').value = '';
    showMain();
  } catch (e) {
    $('#login-error').textContent = 'Login failed: ' + e.message;
  }
});
$('#logout').addEventListener('click', () => {
  stream.forget();
  api.logout();
  showLogin('');
});

function showLogin(message) {
  $('#main-view').hidden = true;
  $('#login-view').hidden = false;
  $('#logout').hidden = true;
  $('#who').textContent = '';
  $('#login-error').textContent = message;
  const c = $('#conn');
  c.className = 'conn idle';
  c.textContent = 'not connected';
}

function showMain() {
  $('#login-view').hidden = true;
  $('#main-view').hidden = false;
  $('#logout').hidden = false;
  $('#who').textContent = api.session.user + ' (' + api.session.role + ')';
  stream.start();
  refreshAll();
}

// ---- live events ----

function onEvent(e) {
  $('#last-id').textContent = 'last event ' + e.id;
  const t = e.type;
  if (t === 'alarm.raised' || t === 'alarm.cleared') {
    feedItem(e);
    later('incidents', loadIncidents);
  } else if (t.startsWith('incident.')) {
    later('incidents', loadIncidents);
    later('units', loadUnits);
    if (selected !== null && e.body && Number(e.body.incident) === selected) {
      later('incident', () => loadIncident(selected));
    }
  } else if (t.startsWith('unit.')) {
    later('units', loadUnits);
  } else if (t.startsWith('box.') || t.startsWith('camera.')) {
    later('devices', loadDevices);
  } else if (HITS[t]) {
    hitItem(e);
  }
}

// A burst of events (telemetry, a replay after a reconnect) costs one reload per list, not one per event.
const pending = new Map();
function later(name, fn) {
  if (!pending.has(name)) {
    pending.set(name, setTimeout(() => {
      pending.delete(name);
      fn().catch(showError);
    }, 300));
  }
}

function refreshAll() {
  pending.forEach((timer) => clearTimeout(timer));
  pending.clear();
  Promise.all([loadDevices(), loadIncidents(), loadUnits(), seedFeed()]).catch(showError);
}

function showError(e) {
  if (e.status !== 401) {
    notice('could not load: ' + e.message);
  }
}

// ---- alarm feed ----

async function seedFeed() {
  if ($('#feed').children.length > 0) {
    return;
  }
  const { alarms } = await api.get('/api/v1/alarms?active=true');
  alarms.slice().reverse().forEach((a) => feedItem({
    id: a.raisedEvent, type: 'alarm.raised', source: a.source, at: a.raisedAt,
    body: { key: a.key, severity: a.severity, summary: a.summary, kind: a.kind },
  }));
}

function feedItem(e) {
  const li = newFeedItem(e);
  if (li === null) {
    return;
  }
  const raised = e.type === 'alarm.raised';
  li.className = raised ? 'alarm' : 'alarm cleared';
  li.dataset.key = e.body.key;
  const sev = raised ? String(e.body.severity || 'UNKNOWN') : 'CLEARED';
  li.append(span('sev sev-' + sev.replace(/[^A-Za-z]/g, ''), sev), ' ',
    span('summary', raised ? e.body.summary : e.body.key + ' cleared: ' + (e.body.reason || '')), ' ',
    span('source', '(' + e.source + ')'), ' ', time(e.at));
  $('#feed').prepend(li);
  trimFeed();
}

// Recognition hits: what the gateway read, in the same feed as the alarms (the stream sends them to whoever may see
// them: plates:read, echallan:read, faces:read or staff).
const HITS = {
  'recognition.plate.hit': { label: 'HOTLIST', cls: 'plate',
    text: (b) => 'hotlisted plate ' + b.plate + ' (' + b.reason + ')' + (b.note ? ' — ' + b.note : '') },
  'echallan.issued': { label: 'E-CHALLAN', cls: 'echallan',
    text: (b) => 'e-challan #' + b.id + ': ' + b.plate + ', ' + b.rule },
  'recognition.face.hit': { label: 'WATCHLIST', cls: 'face',
    text: (b) => 'watchlisted person ' + b.name + ' (' + b.reason + ', ' + Math.round(b.score * 100) + ' %)' },
};

function hitItem(e) {
  const li = newFeedItem(e);
  if (li === null) {
    return;
  }
  const kind = HITS[e.type];
  li.className = 'hit hit-' + kind.cls;
  li.append(span('sev sev-HIT', kind.label), ' ', span('summary', kind.text(e.body || {})), ' ',
    span('source', '(' + e.source + ')'), ' ', time(e.at));
  $('#feed').prepend(li);
  trimFeed();
}

/** A feed entry for event {@code e}, or null when it is shown already. */
function newFeedItem(e) {
  // The list of active alarms and the live stream overlap while the list loads: one item per event.
  if (e.id !== null && $('#feed').querySelector('li[data-event-id="' + e.id + '"]')) {
    return null;
  }
  const li = document.createElement('li');
  if (e.id !== null) {
    li.dataset.eventId = e.id;
  }
  return li;
}

function notice(text) {
  const li = document.createElement('li');
  li.className = 'notice';
  li.append(text, ' ', time(new Date().toISOString()));
  $('#feed').prepend(li);
  trimFeed();
}

function trimFeed() {
  const feed = $('#feed');
  while (feed.children.length > FEED_MAX) {
    feed.lastElementChild.remove();
  }
}

// ---- boxes and cameras ----

async function loadDevices() {
  const [{ boxes }, { cameras }] = await Promise.all([api.get('/api/v1/boxes'), api.get('/api/v1/cameras')]);
  const grid = $('#devices');
  grid.replaceChildren();
  const byBox = new Map();
  cameras.forEach((c) => byBox.set(c.box, [...(byBox.get(c.box) || []), c]));
  boxes.forEach((b) => {
    const health = b.link === 'offline' ? 'bad' : b.link === 'silent' || b.conditions.length ? 'warn'
      : b.link === 'online' ? 'ok' : 'unknown';
    const tile = document.createElement('div');
    tile.className = 'tile box ' + health;
    tile.dataset.box = b.id;
    tile.append(b.id, small(b.region + ' · ' + (b.link || 'not yet heard') +
      (b.conditions.length ? ' · ' + b.conditions.join(', ') : '')));
    grid.append(tile);
    (byBox.get(b.id) || []).forEach((c) => grid.append(cameraTile(c)));
    byBox.delete(b.id);
  });
  byBox.forEach((list) => list.forEach((c) => grid.append(cameraTile(c))));
  if (cameraShown) {
    await showCamera(cameraShown);
  }
}

function cameraTile(c) {
  const health = { streaming: 'ok', stalled: 'warn', offline: 'bad' }[c.health] || 'unknown';
  const tile = document.createElement('button');
  tile.type = 'button';
  tile.className = 'tile camera ' + health;
  tile.dataset.camera = c.id;
  tile.append(c.id, small(c.health));
  tile.addEventListener('click', () => showCamera(c.id).catch(showError));
  return tile;
}

async function showCamera(id) {
  cameraShown = id;
  const c = await api.get('/api/v1/cameras/' + encodeURIComponent(id));
  const s = c.stream;
  const rows = [
    ['camera', c.id + ' (box ' + c.box + ', ' + c.region + ')'],
    ['health', c.health],
    ['publishing', s.publishing ? 'yes' + (s.source ? ' — ' + s.source : '') : 'no'],
    ['codec', (s.codec || '—') + (s.profile ? ' ' + s.profile : '')],
    ['resolution', s.width ? s.width + '×' + s.height : '—'],
    ['fps', fixed(s.fps, 1)],
    ['bitrate', fixed(s.bitrateKbps, 0) + ' kbit/s'],
    ['loss', s.packetsLost + ' of ' + s.packets + ' packets' +
      (s.packets ? ' (' + fixed((100 * s.packetsLost) / (s.packets + s.packetsLost), 2) + ' %)' : '')],
    ['jitter', fixed(s.jitterMs, 1) + ' ms'],
    ['frames discarded', String(s.framesDiscarded)],
    ['readers', String(s.readers)],
    ['last frame', s.lastFrameAt || '—'],
  ];
  const dl = document.createElement('dl');
  rows.forEach(([k, v]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dd.dataset.stat = k;
    dl.append(dt, dd);
  });
  const panel = $('#camera-stats');
  const h = document.createElement('h3');
  h.textContent = 'Camera ' + c.id;
  panel.replaceChildren(h, dl);
  panel.hidden = false;
}

// ---- incidents ----

async function loadIncidents() {
  const { incidents } = await api.get('/api/v1/incidents?limit=100');
  const body = $('#incidents tbody');
  body.replaceChildren();
  incidents.forEach((i) => {
    const tr = document.createElement('tr');
    tr.dataset.incidentId = i.id;
    tr.dataset.source = i.source;
    if (i.id === selected) {
      tr.className = 'selected';
    }
    tr.append(td(String(i.id)), td(i.state, 'state'), td(i.title), td(i.source), td(i.unit || '—'),
      td(new Date(i.updatedAt).toLocaleTimeString()));
    tr.addEventListener('click', () => {
      document.querySelectorAll('#incidents tr.selected').forEach((r) => r.classList.remove('selected'));
      tr.classList.add('selected');
      proposal = null;
      loadIncident(i.id).catch(showError);
    });
    body.append(tr);
  });
}

async function loadIncident(id) {
  const i = await api.get('/api/v1/incidents/' + id);
  if (selected !== id) {
    proposal = null;
    $('#proposal').textContent = '';
    $('#incident-error').textContent = '';
  }
  selected = id;
  const panel = $('#incident');
  panel.hidden = false;
  panel.dataset.incidentId = id;
  $('#incident-title').textContent = '#' + i.id + ' ' + i.title + ' (' + i.source + ')';
  $('#incident-state').textContent = i.state;
  $('#incident-unit').textContent = i.unit || '—';
  $('#ack').disabled = i.state !== 'new';
  $('#propose').disabled = !['new', 'acknowledged'].includes(i.state);
  $('#dispatch').disabled = !(proposal && ['new', 'acknowledged'].includes(i.state));
  const steps = $('#incident-steps');
  steps.replaceChildren();
  (i.steps || []).forEach((s) => {
    const li = document.createElement('li');
    li.textContent = s.step + ' by ' + s.by + (s.unit ? ' → ' + s.unit : '') + ' ';
    li.append(time(s.at));
    steps.append(li);
  });
}

async function step(body) {
  $('#incident-error').textContent = '';
  try {
    await api.post('/api/v1/incidents/' + selected + '/steps', body);
    await loadIncident(selected);
    later('incidents', loadIncidents);
  } catch (e) {
    $('#incident-error').textContent = body.step + ' refused: ' + e.message;
  }
}

$('#ack').addEventListener('click', () => step({ step: 'acknowledge' }));
$('#dispatch').addEventListener('click', () => proposal && step({ step: 'dispatch', unit: proposal }));
$('#propose').addEventListener('click', async () => {
  $('#incident-error').textContent = '';
  try {
    const p = await api.get('/api/v1/incidents/' + selected + '/proposal');
    proposal = p.unit ? p.unit.id : null;
    $('#proposal').textContent = p.unit ? 'Nearest available: ' + p.unit.id + ' (' + p.meters + ' m)' : 'No unit is available in the region.';
    $('#proposal').dataset.unit = proposal || '';
    $('#dispatch').textContent = proposal ? 'Dispatch ' + proposal : 'Dispatch';
    await loadIncident(selected);
  } catch (e) {
    $('#incident-error').textContent = 'proposal failed: ' + e.message;
  }
});

// ---- units ----

async function loadUnits() {
  const { units } = await api.get('/api/v1/units');
  const body = $('#units tbody');
  body.replaceChildren();
  units.forEach((u) => {
    const tr = document.createElement('tr');
    tr.dataset.unit = u.id;
    tr.append(td(u.id), td(u.region), td(u.status, 'state'),
      td(u.location ? u.location.lat.toFixed(4) + ', ' + u.location.lon.toFixed(4) : '—'));
    body.append(tr);
  });
}

// ---- helpers ----

function span(cls, text) {
  const s = document.createElement('span');
  s.className = cls;
  s.textContent = text;
  return s;
}

function small(text) {
  const s = document.createElement('small');
  s.textContent = text;
  return s;
}

function td(text, cls) {
  const c = document.createElement('td');
  c.textContent = text;
  if (cls) {
    c.className = cls;
  }
  return c;
}

function time(iso) {
  const t = document.createElement('time');
  t.dateTime = iso;
  t.textContent = new Date(iso).toLocaleTimeString();
  return t;
}

function fixed(n, digits) {
  return typeof n === 'number' ? n.toFixed(digits) : '—';
}

if (api.token && api.session.expiresAt > Date.now()) {
  showMain();
} else {
  api.logout();
  showLogin('');
}
