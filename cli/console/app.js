// The wijkwacht console page. Everything it shows comes from /events (the
// console process); everything it does goes to /api/action. It loads
// nothing from elsewhere, and builds every piece of post text with
// textContent, never as HTML.
'use strict';

const $ = (selector) => document.querySelector(selector);
const SEVERITIES = ['low', 'medium', 'high', 'critical'];
const HELD = new Set(['claimed', 'acknowledged']);

const page = {
  me: '',
  streams: [],
  alerts: new Map(), // id -> record
  incidents: new Map(), // incident id -> the record of its first alert (its card)
  lastId: '',
  paused: false,
  pending: [], // new alerts held back while paused
  active: null, // the record keyboard actions apply to
  selected: new Set(),
  source: null,
  backoff: 1000,
  seen: false, // any message shown yet
};

// ---- helpers ---------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key === 'data') Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function localTime(rfc3339) {
  const date = new Date(rfc3339);
  return Number.isNaN(date.getTime()) ? (rfc3339 || '') : date.toLocaleString();
}

function safeUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

function link(url, label) {
  const href = safeUrl(url);
  if (!href) return document.createTextNode(label);
  return el('a', { href, target: '_blank', rel: 'noreferrer noopener' }, label);
}

// The text with the matched terms marked. Spans are UTF-8 byte offsets:
// sliced on the bytes, decoded piece by piece.
function highlighted(text, spans) {
  const bytes = new TextEncoder().encode(text);
  const decode = (from, to) => new TextDecoder().decode(bytes.subarray(from, to));
  const fragment = document.createDocumentFragment();
  let at = 0;
  for (const [begin, end] of [...spans].sort((a, b) => a[0] - b[0])) {
    if (begin < at || begin >= end || end > bytes.length) continue;
    fragment.append(decode(at, begin), el('mark', {}, decode(begin, end)));
    at = end;
  }
  fragment.append(decode(at, bytes.length));
  return fragment;
}

let toastTimer = null;
function toast(message) {
  const box = $('#toast');
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 6000);
}

// ---- filters, kept in the URL ------------------------------------------

const FILTERS = ['stream', 'category', 'severity', 'state', 'mine', 'text'];

function filters() {
  return {
    stream: $('#f-stream').value,
    category: $('#f-category').value.trim(),
    severity: $('#f-severity').value,
    state: $('#f-state').value,
    mine: $('#f-mine').checked,
    text: $('#f-text').value.trim().toLowerCase(),
  };
}

function loadFilters() {
  const query = new URLSearchParams(location.search);
  for (const name of FILTERS) {
    const input = $('#f-' + name);
    if (!query.has(name)) continue;
    if (input.type === 'checkbox') input.checked = query.get(name) === '1';
    else {
      if (input.tagName === 'SELECT' && ![...input.options].some((o) => o.value === query.get(name)))
        input.append(el('option', { value: query.get(name) }, query.get(name)));
      input.value = query.get(name);
    }
  }
}

function saveFilters() {
  const query = new URLSearchParams();
  const f = filters();
  for (const name of FILTERS) {
    const value = f[name];
    if (value === true) query.set(name, '1');
    else if (value) query.set(name, name === 'text' ? $('#f-text').value.trim() : value);
  }
  const search = query.toString();
  history.replaceState(null, '', search ? '?' + search : location.pathname);
}

function categoryMatches(pattern, categories) {
  if (!pattern) return true;
  return categories.some((c) => (pattern.endsWith('*') ? c.startsWith(pattern.slice(0, -1)) : c === pattern));
}

function visible(record) {
  const f = filters();
  const a = record.alert;
  if (f.stream && !record.streams.has(f.stream)) return false;
  if (!categoryMatches(f.category, a.categories || [])) return false;
  if (f.severity && SEVERITIES.indexOf(a.severity) < SEVERITIES.indexOf(f.severity)) return false;
  if (f.state === 'open' ? record.state === 'resolved' : f.state && record.state !== f.state) return false;
  if (f.mine && record.owner !== page.me) return false;
  if (f.text) {
    const post = a.post || {};
    const haystack = [post.text, post.title, post.source, post.author && post.author.handle,
      post.author && post.author.name, a.id].join(' ').toLowerCase();
    if (!haystack.includes(f.text)) return false;
  }
  return true;
}

function applyFilters() {
  for (const record of page.alerts.values()) if (record.row) record.row.hidden = !visible(record);
  if (page.active && page.active.row.hidden) activate(null);
}

// ---- rows ------------------------------------------------------------------

function renderState(record) {
  const row = record.row;
  row.dataset.state = record.state;
  row.dataset.owner = record.owner;
  const label = record.owner && record.state !== 'new' ? `${record.state} by ${record.owner}` : record.state;
  row.querySelector('.state').textContent = label;
  row.querySelector('.streams').textContent = [...record.streams].join(', ');
  const history = row.querySelector('.history');
  history.replaceChildren(...record.history.map((u) => el('li', {},
    `${localTime(u.at)} ${describe(u)}`, u.note && u.op !== 'expire' ? ` — ${u.note}` : '')));
  const held = HELD.has(record.state);
  const mine = record.owner === page.me;
  const enable = (op, on) => { row.querySelector(`[data-op="${op}"]`).disabled = !on; };
  enable('claim', record.state !== 'resolved' && !(held && mine));
  enable('ack', record.state !== 'resolved' && !(record.state === 'acknowledged' && mine));
  enable('release', held);
  enable('resolve', record.state !== 'resolved');
  enable('reopen', record.state === 'resolved');
  enable('escalate', record.state !== 'resolved');
}

function describe(u) {
  switch (u.op) {
    case 'claim': return `claimed by ${u.by}`;
    case 'release': return `released by ${u.by}`;
    case 'ack': return `acknowledged by ${u.by}`;
    case 'resolve': return `resolved by ${u.by}`;
    case 'reopen': return `reopened by ${u.by}`;
    case 'escalate': return `escalated to ${u.to} by ${u.by}`;
    case 'note': return `note by ${u.by}`;
    case 'expire': return 'claim expired';
    default: return `${u.op} by ${u.by}`;
  }
}

// "Utrecht, Maarssen": the places an alert, or its incident, is about.
function placeNames(places) {
  const names = [];
  for (const p of places || []) if (p.name && !names.includes(p.name)) names.push(p.name);
  return names.slice(0, 4).join(', ');
}

// One later post of the card's incident: when, where from, what it says.
function timelineEntry(member) {
  const post = member.alert.post || {};
  const text = (post.text || '').replace(/\s+/g, ' ');
  return el('li', { data: { id: member.alert.id } },
    el('span', { class: 'meta' }, [localTime(member.alert.flagged_at), post.source].filter(Boolean).join(' · ')), ' ',
    text.length > 160 ? text.slice(0, 160) + '…' : text, ' ',
    post.url ? link(post.url, 'open post') : '');
}

// The card's line about its incident: how many posts, where.
function renderIncident(record) {
  const count = 1 + record.members.length;
  const where = placeNames(record.incidentPlaces || (record.alert.post || {}).places);
  const line = record.row.querySelector('.incident');
  line.textContent = count > 1 ? `${count} posts about this incident` : '';
  line.hidden = count === 1;
  record.row.querySelector('.places').textContent = where ? '⌖ ' + where : '';
  record.row.dataset.posts = String(count);
}

function buildRow(record) {
  const a = record.alert;
  const post = a.post || {};
  const spans = (a.matches || []).flatMap((m) => m.spans || []);
  const author = post.author ? [post.author.name, post.author.handle && '@' + post.author.handle].filter(Boolean).join(' ') : '';
  const links = [];
  if (post.url) links.push(link(post.url, 'open post'));
  for (const media of post.media || []) links.push(link(media.url, media.kind + (media.description ? ': ' + media.description : '')));
  const button = (op, label) => el('button', { type: 'button', data: { op } }, label);
  const select = el('input', { type: 'checkbox', class: 'select', title: 'Select (x)' });
  select.addEventListener('change', () => toggleSelect(record, select.checked));
  const row = el('li', { class: 'alert', tabIndex: -1, data: { id: a.id } },
    el('div', { class: 'head' },
      select,
      el('span', { class: 'severity ' + a.severity }, a.severity),
      el('span', { class: 'categories' }, (a.categories || []).join(', ')),
      el('span', { class: 'state' }),
      el('span', { class: 'meta' }, localTime(a.flagged_at)),
      el('span', { class: 'where' }, el('span', { class: 'streams' }), ' · ', a.id.slice(0, 12))),
    el('div', { class: 'meta' }, [post.source, author || 'unknown author', post.created_at && localTime(post.created_at)].filter(Boolean).join(' · ')),
    el('div', { class: 'places' }),
    post.title ? el('div', { class: 'title' }, post.title) : '',
    el('div', { class: 'text' }, highlighted(post.text || '', spans)),
    el('div', { class: 'links' }, ...links.flatMap((l, i) => (i ? [' · ', l] : [l]))),
    el('div', { class: 'incident' }),
    el('ul', { class: 'timeline' }, ...record.members.map(timelineEntry)),
    el('div', { class: 'actions' }, button('claim', 'Claim'), button('ack', 'Acknowledge'),
      button('resolve', 'Resolve'), button('release', 'Release'), button('reopen', 'Reopen'),
      button('escalate', 'Escalate…'), button('note', 'Note…')),
    el('ul', { class: 'history' }));
  row.addEventListener('click', (event) => {
    const op = event.target.dataset && event.target.dataset.op;
    if (op) start(record, op);
    else if (!event.target.closest('a, input, textarea, select, button')) activate(record);
  });
  return row;
}

function show(record) {
  record.row = buildRow(record);
  renderState(record);
  renderIncident(record);
  record.row.hidden = !visible(record);
  $('#list').prepend(record.row);
}

// ---- messages --------------------------------------------------------------

function onMessage(message, stream) {
  page.seen = true;
  if (message.type === 'alert') {
    const known = page.alerts.get(message.id);
    if (known) {
      known.streams.add(stream); // escalated here, or followed on two streams
      if (known.row) renderState(known);
      return;
    }
    const record = { alert: message, streams: new Set([stream]), primary: stream, state: 'new', owner: '', history: [], members: [] };
    page.alerts.set(message.id, record);
    // A later post of an incident on the page goes onto its card.
    const head = message.incident && page.incidents.get(message.incident);
    if (head) {
      record.head = head;
      head.members.push(record);
      if (head.row) {
        head.row.querySelector('.timeline').append(timelineEntry(record));
        renderIncident(head);
        if (!page.paused) $('#list').prepend(head.row);
      }
      return;
    }
    if (message.incident) page.incidents.set(message.incident, record);
    if (page.paused) {
      page.pending.push(record);
      updatePending();
    } else show(record);
  } else if (message.type === 'incident_update') {
    const head = page.incidents.get(message.incident);
    if (!head || stream !== head.primary) return;
    head.incidentPlaces = message.places;
    if (head.row) renderIncident(head);
  } else if (message.type === 'alert_update') {
    const record = page.alerts.get(message.alert);
    // An update comes on every stream carrying the alert: one is enough.
    if (!record || stream !== record.primary) return;
    record.state = message.state;
    record.owner = message.owner || '';
    record.history.push(message);
    if (record.head && record.head.row) {
      const entry = record.head.row.querySelector(`.timeline li[data-id="${record.alert.id}"]`);
      if (entry) entry.dataset.state = record.state;
    }
    if (record.row) {
      renderState(record);
      record.row.hidden = !visible(record);
    }
    updateWho();
  }
}

function updatePending() {
  const button = $('#new-count');
  button.hidden = page.pending.length === 0;
  button.textContent = `▲ ${page.pending.length} new`;
}

function setPaused(paused) {
  page.paused = paused;
  $('#pause').setAttribute('aria-pressed', String(paused));
  $('#pause').textContent = paused ? 'Resume' : 'Pause';
  if (!paused) {
    for (const record of page.pending) show(record);
    page.pending = [];
    updatePending();
    updateWho();
  }
}

function updateWho() {
  const owners = new Map();
  for (const record of page.alerts.values()) {
    // A card counts once, however many posts its incident has.
    if (!HELD.has(record.state) || record.head) continue;
    const counts = owners.get(record.owner) || { claimed: 0, acknowledged: 0 };
    counts[record.state] += 1;
    owners.set(record.owner, counts);
  }
  $('#who').replaceChildren(...[...owners.entries()].sort().map(([owner, c]) =>
    el('li', { data: { owner } }, `${owner}${owner === page.me ? ' (you)' : ''}: ` +
      [c.claimed && `${c.claimed} claimed`, c.acknowledged && `${c.acknowledged} acknowledged`].filter(Boolean).join(', '))));
  if (owners.size === 0) $('#who').append(el('li', { class: 'meta' }, 'nobody holds an alert'));
}

function clearAll() {
  page.alerts.clear();
  page.incidents.clear();
  page.pending = [];
  page.selected.clear();
  page.active = null;
  $('#list').replaceChildren();
  updatePending();
  updateBulk();
  updateWho();
}

// ---- the live connection -------------------------------------------------

function setStatus(state, text) {
  const status = $('#status');
  status.dataset.state = state;
  status.textContent = text;
}

function onHello(hello) {
  page.me = hello.me;
  page.streams = hello.streams;
  $('#me').textContent = `you: ${hello.me}`;
  const select = $('#f-stream');
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '' }, 'all followed'),
    ...hello.streams.map((s) => el('option', { value: s }, s)));
  select.value = chosen;
  if (hello.up) {
    setStatus('live', 'live');
    $('#warning').hidden = true;
  } else {
    setStatus('down', 'daemon unreachable');
    $('#warning').textContent = `The daemon is unreachable: ${hello.why}. Alerts shown may be out of date; the console keeps trying.`;
    $('#warning').hidden = false;
  }
  document.body.dataset.ready = '1';
}

function connect() {
  const url = page.lastId ? '/events?last_event_id=' + encodeURIComponent(page.lastId) : '/events';
  const source = new EventSource(url);
  page.source = source;
  source.addEventListener('hello', (event) => { page.backoff = 1000; onHello(JSON.parse(event.data)); });
  source.addEventListener('status', (event) => onHello(JSON.parse(event.data)));
  source.addEventListener('reset', () => {
    const had = page.seen;
    clearAll();
    page.lastId = '';
    if (had) {
      $('#warning').textContent = "The daemon's journal was reset (its epoch changed): the list starts over.";
      $('#warning').hidden = false;
    }
  });
  source.addEventListener('message', (event) => {
    page.lastId = event.lastEventId;
    const message = JSON.parse(event.data);
    onMessage(message, message.stream);
  });
  source.addEventListener('error', () => {
    setStatus('down', 'console unreachable: reconnecting…');
    // EventSource gives up on a refused or failed response: build a new one
    // that says where this page stands.
    if (source.readyState === EventSource.CLOSED) {
      source.close();
      setTimeout(connect, page.backoff);
      page.backoff = Math.min(page.backoff * 2, 30000);
    }
  });
}

// ---- actions -------------------------------------------------------------

// A step on a card is a step on every alert of its incident.
async function act(record, op, extra = {}) {
  let reply = null;
  for (const one of [record, ...(record.members || [])]) {
    const answer = await actOne(one, op, extra);
    if (one === record) reply = answer;
  }
  return reply;
}

async function actOne(record, op, extra) {
  const body = JSON.stringify({ op, alert: record.alert.id, ...extra });
  try {
    const response = await fetch('/api/action', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body,
      credentials: 'same-origin', cache: 'no-store',
    });
    const reply = await response.json();
    if (reply.type !== 'ok') toast(`${record.alert.id.slice(0, 12)}: ${reply.message}`);
    return reply;
  } catch (error) {
    toast(`The console did not answer: ${error.message}`);
    return null;
  }
}

function inlineForm(record, fields, submitLabel, onSubmit) {
  record.row.querySelector('.form')?.remove();
  const form = el('form', { class: 'form' }, ...fields, el('button', { type: 'submit' }, submitLabel),
    el('button', { type: 'button', class: 'cancel' }, 'Cancel'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onSubmit();
    form.remove();
    record.row.focus();
  });
  form.querySelector('.cancel').addEventListener('click', () => form.remove());
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') { form.remove(); record.row.focus(); }
    // Enter sends a note; Shift+Enter starts a new line.
    if (event.key === 'Enter' && !event.shiftKey && event.target.tagName === 'TEXTAREA') {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  record.row.querySelector('.actions').after(form);
  fields[0].focus();
}

function start(record, op) {
  activate(record);
  if (op === 'note') {
    const text = el('textarea', { rows: 2, maxLength: 4000, 'aria-label': 'Note', name: 'note' });
    inlineForm(record, [text], 'Add note', () => {
      if (text.value.trim()) act(record, 'note', { note: text.value.trim() });
    });
  } else if (op === 'escalate') {
    const to = el('input', { type: 'text', name: 'to', list: 'stream-names', 'aria-label': 'Stream', placeholder: 'stream' });
    const note = el('input', { type: 'text', name: 'note', 'aria-label': 'Note', placeholder: 'why (optional)' });
    const names = el('datalist', { id: 'stream-names' }, ...page.streams.map((s) => el('option', { value: s })));
    inlineForm(record, [to, note, names], 'Escalate', () => {
      if (to.value.trim()) act(record, 'escalate', note.value.trim() ? { to: to.value.trim(), note: note.value.trim() } : { to: to.value.trim() });
    });
  } else {
    act(record, op);
  }
}

function toggleSelect(record, on) {
  if (on) page.selected.add(record);
  else page.selected.delete(record);
  record.row.querySelector('.select').checked = on;
  updateBulk();
}

function updateBulk() {
  $('#bulk').hidden = page.selected.size === 0;
  $('#bulk-count').textContent = `${page.selected.size} selected`;
}

async function bulk(op) {
  const records = [...page.selected];
  if (op === 'clear') {
    for (const record of records) toggleSelect(record, false);
    return;
  }
  let refused = 0;
  for (const record of records) {
    const reply = await act(record, op);
    if (!reply || reply.type !== 'ok') refused += 1;
    else toggleSelect(record, false);
  }
  if (refused) toast(`${refused} of ${records.length} refused: still selected`);
}

// ---- keyboard ------------------------------------------------------------

function activate(record) {
  if (page.active && page.active.row) page.active.row.classList.remove('active');
  page.active = record;
  if (record) {
    record.row.classList.add('active');
    record.row.scrollIntoView({ block: 'nearest' });
  }
}

function move(step) {
  const rows = [...document.querySelectorAll('#list > .alert:not([hidden])')];
  if (rows.length === 0) return;
  const at = page.active ? rows.indexOf(page.active.row) : -1;
  const next = rows[Math.max(0, Math.min(rows.length - 1, at + step))];
  activate(page.alerts.get(next.dataset.id));
}

function typing(target) {
  return target.closest('input, textarea, select, [contenteditable]') !== null;
}

function onKey(event) {
  if (!$('#keys').checked || event.ctrlKey || event.metaKey || event.altKey) return;
  if (typing(event.target)) {
    if (event.key === 'Escape') event.target.blur();
    return;
  }
  const help = $('#help');
  if (help.open && event.key !== '?') return;
  const actions = { c: 'claim', a: 'ack', r: 'resolve', e: 'escalate', n: 'note' };
  if (event.key === 'j' || event.key === 'ArrowDown') move(1);
  else if (event.key === 'k' || event.key === 'ArrowUp') move(-1);
  else if (actions[event.key]) { if (page.active) start(page.active, actions[event.key]); }
  else if (event.key === 'x') { if (page.active) toggleSelect(page.active, !page.selected.has(page.active)); }
  else if (event.key === 'o') { page.active?.row.querySelector('.links a')?.click(); }
  else if (event.key === 'p') setPaused(!page.paused);
  else if (event.key === '/') $('#f-text').focus();
  else if (event.key === '?') { if (help.open) help.close(); else help.showModal(); }
  else return;
  event.preventDefault();
}

// ---- start -----------------------------------------------------------------

function init() {
  loadFilters();
  $('#keys').checked = localStorage.getItem('wijkwacht.keys') !== 'off';
  $('#keys').addEventListener('change', () => localStorage.setItem('wijkwacht.keys', $('#keys').checked ? 'on' : 'off'));
  $('#filters').addEventListener('input', () => { saveFilters(); applyFilters(); });
  $('#filters').addEventListener('submit', (event) => event.preventDefault());
  $('#pause').addEventListener('click', () => setPaused(!page.paused));
  $('#new-count').addEventListener('click', () => setPaused(false));
  $('#help-button').addEventListener('click', () => $('#help').showModal());
  $('#help-close').addEventListener('click', () => $('#help').close());
  for (const button of document.querySelectorAll('[data-bulk]'))
    button.addEventListener('click', () => bulk(button.dataset.bulk));
  document.addEventListener('keydown', onKey);
  updateWho();
  connect();
}

init();
