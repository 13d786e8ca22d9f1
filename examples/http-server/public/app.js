// The example server's page: plain JavaScript, no framework. It talks to the call API at ./api.
/* global TextDecoderStream, URLSearchParams, sessionStorage */
import { instantToLocalInput, zonedToInstant } from './zoned-time.js';

const $ = (selector, root = document) => root.querySelector(selector);

const STATUS_LABELS = {
  scheduled: 'Scheduled',
  dispatching: 'Dialing',
  initiated: 'Initiated',
  ringing: 'Ringing',
  connected: 'Connected',
  completed: 'Completed',
  busy: 'Busy',
  'no-answer': 'No answer',
  failed: 'Failed',
  canceled: 'Canceled',
  expired: 'Expired',
};
const STATUS_RANK = {
  scheduled: 0,
  dispatching: 1,
  initiated: 2,
  ringing: 3,
  connected: 4,
  completed: 5,
  busy: 5,
  'no-answer': 5,
  failed: 5,
  canceled: 5,
  expired: 5,
};
const EVENT_LABELS = {
  scheduled: 'Scheduled',
  rescheduled: 'Rescheduled',
  dispatching: 'Dialing',
  status: 'Provider status',
  retrying: 'Will retry',
  recovered: 'Recovered',
  completed: 'Completed',
  failed: 'Ended',
  canceled: 'Canceled',
  expired: 'Expired',
};
const TCPA_WINDOW = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => [day, [{ start: '08:00', end: '21:00' }]]));
const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const KEY_STORAGE = 'callScheduler.apiKey';
const PAGE_SIZE = 50;

const state = {
  /** Every call the page knows, by id (JSON as the API sends it). */
  calls: new Map(),
  /** The list item of each shown call, by id. */
  rows: new Map(),
  filterStatus: '',
  search: '',
  nextCursor: null,
  loaded: false,
  openCallId: null,
  apiKey: readStoredKey(),
  draftKey: newKey(),
};

// ------------------------------------------------------------------ small helpers

function readStoredKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

function newKey() {
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return `page-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Builds an element; children are nodes or text (never parsed as HTML). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'className') node.className = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof window.Node ? child : String(child));
  }
  return node;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayTimeFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const zoneFormats = new Map();

/** `Tue, 21 Nov 2026, 10:00` in the browser's zone. */
function formatDateTime(iso) {
  return iso ? dateTimeFormat.format(new Date(iso)) : '—';
}

/** `10:02:03` in the browser's zone, with the date when it is not today. */
function formatMoment(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return (sameDay ? timeFormat : dayTimeFormat).format(date);
}

/** The same instant on the clocks of `timeZone`. */
function formatInZone(iso, timeZone) {
  let format = zoneFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(undefined, { timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
    zoneFormats.set(timeZone, format);
  }
  return format.format(new Date(iso));
}

function capitalize(text) {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1);
}

function digitsOf(text) {
  return text.replace(/\D/g, '');
}

function announce(text) {
  const announcer = $('#announcer');
  announcer.textContent = '';
  // A fresh text node, so that repeated messages are announced again.
  setTimeout(() => {
    announcer.textContent = text;
  }, 50);
}

// ------------------------------------------------------------------ API access

function authHeaders() {
  return state.apiKey ? { 'x-api-key': state.apiKey } : {};
}

let keyPrompt = null;

/** Shows the API key dialog once, however many requests were refused; resolves with the key. */
function askForKey() {
  if (keyPrompt !== null) return keyPrompt;
  keyPrompt = new Promise((resolve) => {
    const dialog = $('#key-dialog');
    const input = $('#api-key');
    input.value = '';
    $('#api-key-error').hidden = !state.apiKey; // a key was given, and refused
    const onClose = () => {
      const key = input.value.trim();
      if (key === '') {
        dialog.showModal();
        return;
      }
      dialog.removeEventListener('close', onClose);
      state.apiKey = key;
      try {
        sessionStorage.setItem(KEY_STORAGE, key);
      } catch {
        // Storage may be off; the key then lasts until the page is reloaded.
      }
      keyPrompt = null;
      resolve(key);
    };
    dialog.addEventListener('close', onClose);
    dialog.showModal();
  });
  return keyPrompt;
}

/**
 * Calls the API. Resolves with `{ ok, status, data }` (`data` is the JSON body: the result, or a
 * problem+json error); rejects only when the server cannot be reached.
 */
async function api(path, { method = 'GET', body, headers = {} } = {}) {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(path, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...authHeaders(), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
    if (response.status === 401 && attempt < 3) {
      await askForKey();
      continue;
    }
    let data = null;
    const text = await response.text();
    if (text !== '') {
      try {
        data = JSON.parse(text);
      } catch {
        data = { detail: text.slice(0, 200) };
      }
    }
    return { ok: response.ok, status: response.status, data };
  }
}

function problemText(result) {
  const data = result.data ?? {};
  return data.detail || data.title || `The server answered ${result.status}`;
}

// ------------------------------------------------------------------ field errors

function fieldOfPath(path) {
  const head = String(path).split('.')[0];
  if (head === 'expiresAt') return 'at';
  return ['to', 'at', 'timeZone', 'window', 'retry'].includes(head) ? head : null;
}

function clearErrors(form) {
  for (const error of form.querySelectorAll('.error, .form-error')) {
    error.textContent = '';
    error.hidden = true;
  }
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

function showFieldError(form, field, message) {
  const error = form.querySelector(`#${field}-error`) ?? form.querySelector(`[data-error-for="${field}"]`);
  if (error === null) return false;
  error.textContent = error.textContent ? `${error.textContent} ${message}` : message;
  error.hidden = false;
  const container = error.closest('.field');
  for (const input of container?.querySelectorAll('input, select') ?? []) input.setAttribute('aria-invalid', 'true');
  return true;
}

function showFormError(form, message) {
  const error = form.querySelector('.form-error');
  error.textContent = error.textContent ? `${error.textContent} ${message}` : message;
  error.hidden = false;
}

/** Puts each `errors[]` entry of a problem next to its field; the rest goes to the form. */
function showProblem(form, result, describeField = fieldOfPath) {
  const errors = Array.isArray(result.data?.errors) ? result.data.errors : [];
  let placed = 0;
  for (const error of errors) {
    const field = describeField(error.path);
    // Nested fields of the policies (window.mon.0.end) keep their path, so that the message says which part.
    const nested = (field === 'window' || field === 'retry') && String(error.path).includes('.');
    const message = nested ? `${error.path} ${error.message}.` : `${capitalize(String(error.message ?? 'is not valid'))}.`;
    if (field !== null && showFieldError(form, field, message)) placed++;
    else showFormError(form, error.path ? `${error.path} ${error.message}.` : `${capitalize(String(error.message))}.`);
  }
  if (errors.length === 0) showFormError(form, problemText(result));
  if (placed > 0 && form.querySelector('details.more') && form.querySelector('details.more .error:not([hidden])')) {
    form.querySelector('details.more').open = true;
  }
  const firstInvalid = form.querySelector('[aria-invalid="true"]');
  firstInvalid?.focus();
}

// ------------------------------------------------------------------ the schedule form

function fillTimeZones() {
  const select = $('#timeZone');
  let zones = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  const all = [...new Set([BROWSER_ZONE, 'UTC', ...zones])].sort((a, b) => a.localeCompare(b));
  for (const zone of all) {
    select.append(el('option', { value: zone, selected: zone === BROWSER_ZONE }, zone === BROWSER_ZONE ? `${zone} (yours)` : zone));
  }
  select.value = BROWSER_ZONE;
}

function defaultLaterValue(timeZone) {
  const inAnHour = Date.now() + 60 * 60 * 1000;
  const rounded = Math.ceil(inAnHour / (5 * 60 * 1000)) * 5 * 60 * 1000;
  return instantToLocalInput(rounded, timeZone);
}

function whenChoice() {
  return $('#schedule-form').elements.namedItem('when').value;
}

function syncWhen() {
  const later = whenChoice() === 'later';
  $('#at-field').hidden = !later;
  $('#schedule-button').textContent = later ? 'Schedule call' : 'Call now';
  if (later && $('#at').value === '') $('#at').value = defaultLaterValue($('#timeZone').value);
}

async function submitSchedule(event) {
  event.preventDefault();
  const form = $('#schedule-form');
  clearErrors(form);
  $('#form-done').textContent = '';
  const timeZone = $('#timeZone').value;
  const body = { to: $('#to').value, timeZone };
  let invalid = false;

  if (whenChoice() === 'later') {
    const local = $('#at').value;
    const instant = local === '' ? null : zonedToInstant(local, timeZone);
    if (instant === null) {
      showFieldError(form, 'at', 'Choose a date and a time.');
      invalid = true;
    } else if (instant < Date.now() - 60_000) {
      showFieldError(form, 'at', `That is in the past in ${timeZone}. Choose a later time, or Now.`);
      invalid = true;
    } else {
      // The server reads the wall-clock time in the zone (and applies its rule for DST gaps and
      // overlaps); the browser's own conversion above only catches a time in the past.
      body.at = { local, timeZone };
    }
  }
  if ($('#tcpa').checked) body.window = TCPA_WINDOW;
  const retries = Number($('#retries').value);
  if (retries > 0) {
    const minutes = Number($('#retryMinutes').value);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
      showFieldError(form, 'retry', 'Minutes between tries must be a whole number from 1 to 1440.');
      $('#more').open = true;
      invalid = true;
    } else {
      const rule = { delaysMs: [minutes * 60_000], maxAttempts: retries + 1 };
      body.retry = { busy: rule, 'no-answer': rule };
    }
  }
  if (invalid) {
    form.querySelector('[aria-invalid="true"]')?.focus();
    return;
  }

  const button = $('#schedule-button');
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    const result = await api('api/calls', { method: 'POST', body, headers: { 'idempotency-key': state.draftKey } });
    if (!result.ok) {
      showProblem(form, result);
      return;
    }
    state.draftKey = newKey();
    upsert(result.data);
    render();
    const call = result.data;
    $('#form-done').textContent =
      call.status === 'scheduled' && body.at !== undefined
        ? `Scheduled a call to ${call.to} for ${formatDateTime(call.nextAttemptAt ?? call.at)}.`
        : `Calling ${call.to} now.`;
    $('#to').value = '';
  } catch (error) {
    showFormError(form, `Cannot reach the server (${error.message}). Is it still running?`);
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// ------------------------------------------------------------------ the list

/** Keeps the newer of two versions of a call (a late list answer never undoes a live update). */
function upsert(call) {
  if (!call || typeof call.id !== 'string') return false;
  const known = state.calls.get(call.id);
  if (known !== undefined) {
    const knownAt = Date.parse(known.updatedAt);
    const newAt = Date.parse(call.updatedAt);
    if (newAt < knownAt) return false;
    if (newAt === knownAt && STATUS_RANK[call.status] < STATUS_RANK[known.status]) return false;
  }
  state.calls.set(call.id, call);
  return known === undefined || known.status !== call.status;
}

function statusFilter() {
  return state.filterStatus === '' ? null : state.filterStatus.split(',');
}

function matches(call) {
  const statuses = statusFilter();
  if (statuses !== null && !statuses.includes(call.status)) return false;
  const digits = digitsOf(state.search);
  if (state.search.trim() !== '' && (digits === '' || !digitsOf(call.to).includes(digits))) return false;
  return true;
}

function describeWhen(call) {
  const parts = [];
  if (call.status === 'scheduled') {
    const due = call.nextAttemptAt ?? call.at;
    parts.push(`Due ${formatDateTime(due)}`);
    if (call.timeZone && call.timeZone !== BROWSER_ZONE) parts.push(`${formatInZone(due, call.timeZone)} in ${call.timeZone}`);
    if (call.attemptCount > 0) parts.push(`attempt ${call.attemptCount + 1}`);
  } else if (call.endedAt) {
    parts.push(`${STATUS_LABELS[call.status] ?? call.status} ${formatMoment(call.endedAt)}`);
    if (call.attemptCount > 1) parts.push(`${call.attemptCount} attempts`);
  } else {
    parts.push(`Attempt ${Math.max(1, call.attemptCount)} · updated ${formatMoment(call.updatedAt)}`);
  }
  if (call.window) parts.push('calling hours set');
  return parts.join(' · ');
}

function createRow(call) {
  const number = el('span', { className: 'number' });
  const badge = el('span', { className: 'badge' });
  const when = el('p', { className: 'when' });
  const problem = el('p', { className: 'call-problem', hidden: true });
  const details = el('button', { type: 'button', className: 'details', dataset: { action: 'details' } }, 'Details');
  const reschedule = el('button', { type: 'button', dataset: { action: 'reschedule' }, 'aria-expanded': 'false' }, 'Reschedule');
  const cancel = el('button', { type: 'button', className: 'danger', dataset: { action: 'cancel' } }, 'Cancel');
  const rowError = el('p', { className: 'row-error', role: 'alert', hidden: true });
  const inputId = `reschedule-${call.id}`;
  const editor = el(
    'form',
    { className: 'reschedule', hidden: true, novalidate: true, dataset: { action: 'save' } },
    el(
      'div',
      { className: 'field' },
      el('label', { for: inputId }),
      el('input', { id: inputId, type: 'datetime-local', step: '60', 'aria-describedby': `${inputId}-error` }),
      el('p', { className: 'error', id: `${inputId}-error`, dataset: { errorFor: 'at' }, hidden: true }),
    ),
    el('p', { className: 'form-error', role: 'alert', hidden: true }),
    el(
      'div',
      { className: 'actions' },
      el('button', { type: 'submit', className: 'primary' }, 'Save'),
      el('button', { type: 'button', dataset: { action: 'close-editor' } }, 'Keep the time'),
    ),
  );
  const li = el(
    'li',
    { className: 'call', dataset: { id: call.id } },
    el('div', { className: 'call-head' }, number, badge),
    when,
    problem,
    el('div', { className: 'call-actions' }, details, reschedule, cancel),
    rowError,
    editor,
  );
  return li;
}

function updateRow(li, call) {
  const label = STATUS_LABELS[call.status] ?? call.status;
  li.dataset.status = call.status;
  $('.number', li).textContent = call.to;
  const badge = $('.badge', li);
  badge.textContent = label;
  badge.dataset.status = call.status;
  $('.when', li).textContent = describeWhen(call);
  const problem = $('.call-problem', li);
  problem.hidden = call.error === null;
  problem.textContent = call.error === null ? '' : call.error.message;
  const scheduled = call.status === 'scheduled';
  $('[data-action="details"]', li).setAttribute('aria-label', `Details of the call to ${call.to}`);
  const reschedule = $('[data-action="reschedule"]', li);
  reschedule.hidden = !scheduled;
  reschedule.setAttribute('aria-label', `Reschedule the call to ${call.to}`);
  const cancel = $('[data-action="cancel"]', li);
  cancel.hidden = !scheduled;
  cancel.setAttribute('aria-label', `Cancel the call to ${call.to}`);
  if (!scheduled) closeEditor(li, false);
}

function render() {
  const list = $('#calls');
  const visible = [...state.calls.values()].filter(matches).sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const keep = new Set(visible.map((call) => call.id));
  for (const [id, li] of state.rows) {
    if (!keep.has(id)) {
      li.remove();
      state.rows.delete(id);
    }
  }
  let previous = null;
  for (const call of visible) {
    let li = state.rows.get(call.id);
    if (li === undefined) {
      li = createRow(call);
      state.rows.set(call.id, li);
    }
    updateRow(li, call);
    const expected = previous === null ? list.firstElementChild : previous.nextElementSibling;
    if (expected !== li) list.insertBefore(li, expected);
    previous = li;
  }
  const empty = $('#empty');
  empty.hidden = !state.loaded || visible.length > 0;
  const filtering = state.filterStatus !== '' || state.search.trim() !== '';
  $('#empty-title').textContent = filtering ? 'No calls match' : 'No calls yet';
  $('#empty-text').textContent = filtering
    ? 'Change the status filter or the number you search for.'
    : 'Schedule one with the form: it shows up here and changes as it rings, connects and completes.';
  $('#load-more').hidden = state.nextCursor === null;
}

function fullNumberOf(search) {
  const text = search.trim();
  return /^\+[\d\s().-]{7,}$/.test(text) && digitsOf(text).length >= 8 ? text : null;
}

async function loadCalls({ append = false } = {}) {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (state.filterStatus !== '') params.set('status', state.filterStatus);
  const full = fullNumberOf(state.search);
  if (full !== null) params.set('to', full);
  if (append && state.nextCursor !== null) params.set('cursor', state.nextCursor);
  const listError = $('#list-error');
  const searchError = $('#search-error');
  try {
    const result = await api(`api/calls?${params}`);
    if (!result.ok) {
      const toProblem = (result.data?.errors ?? []).find((e) => e.path === 'query.to');
      if (toProblem) {
        searchError.textContent = `${capitalize(toProblem.message)}.`;
        searchError.hidden = false;
        $('#search').setAttribute('aria-invalid', 'true');
      } else {
        listError.textContent = `Cannot load the calls: ${problemText(result)}`;
        listError.hidden = false;
      }
      return;
    }
    listError.hidden = true;
    searchError.hidden = true;
    $('#search').removeAttribute('aria-invalid');
    for (const call of result.data.items) upsert(call);
    state.nextCursor = result.data.nextCursor;
    state.loaded = true;
    render();
  } catch (error) {
    listError.textContent = `Cannot reach the server (${error.message}).`;
    listError.hidden = false;
  }
}

// ------------------------------------------------------------------ row actions

function openEditor(li) {
  const call = state.calls.get(li.dataset.id);
  if (call === undefined) return;
  const editor = $('form.reschedule', li);
  const zone = call.timeZone ?? BROWSER_ZONE;
  clearErrors(editor);
  editor.dataset.timeZone = zone;
  $('label', editor).textContent = `New date and time (${zone})`;
  const input = $('input', editor);
  input.value = instantToLocalInput(Date.parse(call.nextAttemptAt ?? call.at), zone);
  editor.hidden = false;
  $('[data-action="reschedule"]', li).setAttribute('aria-expanded', 'true');
  input.focus();
}

function closeEditor(li, focusButton = true) {
  const editor = $('form.reschedule', li);
  if (editor.hidden) return;
  editor.hidden = true;
  const button = $('[data-action="reschedule"]', li);
  button.setAttribute('aria-expanded', 'false');
  if (focusButton && !button.hidden) button.focus();
}

function showRowError(li, message) {
  const error = $('.row-error', li);
  error.textContent = message;
  error.hidden = message === '';
}

async function cancelCall(li) {
  const id = li.dataset.id;
  const button = $('[data-action="cancel"]', li);
  button.disabled = true;
  showRowError(li, '');
  try {
    const result = await api(`api/calls/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
    if (!result.ok) {
      const current = result.data?.currentStatus;
      showRowError(li, current ? `Too late to cancel: the call is already ${STATUS_LABELS[current]?.toLowerCase() ?? current}.` : problemText(result));
      return;
    }
    upsert(result.data);
    render();
    announce(`Canceled the call to ${result.data.to}.`);
    $('[data-action="details"]', li).focus();
  } catch (error) {
    showRowError(li, `Cannot reach the server (${error.message}).`);
  } finally {
    button.disabled = false;
  }
}

async function saveReschedule(li) {
  const editor = $('form.reschedule', li);
  clearErrors(editor);
  const zone = editor.dataset.timeZone;
  const local = $('input', editor).value;
  const instant = local === '' ? null : zonedToInstant(local, zone);
  if (instant === null || instant < Date.now() - 60_000) {
    showFieldError(editor, 'at', instant === null ? 'Choose a date and a time.' : `That is in the past in ${zone}. Choose a later time.`);
    $('input', editor).focus();
    return;
  }
  const result = await api(`api/calls/${encodeURIComponent(li.dataset.id)}`, { method: 'PATCH', body: { at: { local, timeZone: zone } } }).catch(
    (error) => ({ ok: false, status: 0, data: { detail: `Cannot reach the server (${error.message}).` } }),
  );
  if (!result.ok) {
    const current = result.data?.currentStatus;
    if (current) showFormError(editor, `Too late to reschedule: the call is already ${STATUS_LABELS[current]?.toLowerCase() ?? current}.`);
    else showProblem(editor, result, (path) => (String(path).split('.')[0] === 'at' ? 'at' : null));
    return;
  }
  upsert(result.data);
  closeEditor(li);
  render();
  announce(`Rescheduled the call to ${result.data.to} for ${formatDateTime(result.data.nextAttemptAt ?? result.data.at)}.`);
}

function onListClick(event) {
  const button = event.target.closest('button[data-action]');
  if (button === null) return;
  const li = button.closest('li.call');
  if (li === null) return;
  const action = button.dataset.action;
  if (action === 'details') void openDetails(li.dataset.id);
  else if (action === 'reschedule') {
    if ($('form.reschedule', li).hidden) openEditor(li);
    else closeEditor(li);
  } else if (action === 'cancel') void cancelCall(li);
  else if (action === 'close-editor') closeEditor(li);
}

function onListSubmit(event) {
  const form = event.target.closest('form.reschedule');
  if (form === null) return;
  event.preventDefault();
  void saveReschedule(form.closest('li.call'));
}

function onListKeydown(event) {
  if (event.key !== 'Escape') return;
  const form = event.target.closest('form.reschedule');
  if (form !== null) closeEditor(form.closest('li.call'));
}

// ------------------------------------------------------------------ details dialog

function describeWindow(window) {
  if (!window) return 'Any time';
  const days = Object.entries(window).filter(([, ranges]) => Array.isArray(ranges) && ranges.length > 0);
  const texts = new Set(days.map(([, ranges]) => ranges.map((r) => `${r.start}–${r.end}`).join(', ')));
  if (days.length === 7 && texts.size === 1) return `Every day ${[...texts][0]}`;
  return days.map(([day, ranges]) => `${capitalize(day)} ${ranges.map((r) => `${r.start}–${r.end}`).join(', ')}`).join('; ');
}

function describeRetry(retry) {
  if (!retry) return 'Server default';
  const entries = Object.entries(retry);
  if (entries.length === 0) return 'None';
  return entries.map(([outcome, rule]) => `${outcome}: up to ${rule.maxAttempts} attempts, ${rule.delaysMs.map((ms) => `${Math.round(ms / 60_000)} min`).join(', ')} apart`).join('; ');
}

function describeEvent(event) {
  const label = EVENT_LABELS[event.type] ?? event.type;
  if (event.type === 'status') {
    const word = event.providerStatus ?? event.status;
    const talk = typeof event.data?.durationSeconds === 'number' ? `, talk time ${event.data.durationSeconds} s` : '';
    if (STATUS_RANK[event.status] === 5) return `Provider reported “${word}”${talk}`;
    return word === event.status ? (STATUS_LABELS[word] ?? capitalize(word)) : `Provider said “${word}” (still ${(STATUS_LABELS[event.status] ?? event.status).toLowerCase()})`;
  }
  if (event.type === 'completed') return 'Call completed';
  if (event.type === 'failed') return `Call ended ${(STATUS_LABELS[event.status] ?? event.status).toLowerCase()}${event.data?.message ? `: ${event.data.message}` : ''}`;
  if (event.type === 'retrying' && event.data?.nextAttemptAt) return `${label} at ${formatMoment(event.data.nextAttemptAt)}`;
  if (event.type === 'scheduled' || event.type === 'rescheduled') {
    const at = event.data?.at ?? event.data?.nextAttemptAt;
    return at ? `${label} for ${formatDateTime(at)}` : label;
  }
  return label;
}

function detailsContent(call) {
  const badge = el('span', { className: 'badge', dataset: { status: call.status } }, STATUS_LABELS[call.status] ?? call.status);
  const rows = [
    ['Number', call.to],
    ['Status', badge],
    ['Scheduled for', `${formatDateTime(call.at)}${call.timeZone && call.timeZone !== BROWSER_ZONE ? ` (${formatInZone(call.at, call.timeZone)} in ${call.timeZone})` : ''}`],
    call.nextAttemptAt ? ['Next attempt', formatDateTime(call.nextAttemptAt)] : null,
    ['Time zone', call.timeZone ?? '—'],
    ['Calling hours', describeWindow(call.window)],
    ['Retries', describeRetry(call.retry)],
    call.expiresAt ? ['Expires', formatDateTime(call.expiresAt)] : null,
    ['Attempts', String(call.attemptCount)],
    call.error ? ['Error', `${call.error.message} (${call.error.code})`] : null,
    ['Created', formatMoment(call.createdAt)],
    call.endedAt ? ['Ended', formatMoment(call.endedAt)] : null,
    ['Id', el('code', {}, call.id)],
  ].filter((row) => row !== null);

  const attempts =
    call.attempts.length === 0
      ? el('p', { className: 'muted' }, 'No attempt yet.')
      : el(
          'div',
          { className: 'table-scroll' },
          el(
            'table',
            {},
            el('caption', { className: 'visually-hidden' }, 'Attempts'),
            el('thead', {}, el('tr', {}, ['#', 'Status', 'Provider', 'Started', 'Ended', 'Talk time'].map((h) => el('th', { scope: 'col' }, h)))),
            el(
              'tbody',
              {},
              call.attempts.map((attempt) =>
                el(
                  'tr',
                  {},
                  el('td', {}, String(attempt.number)),
                  el('td', {}, el('span', { className: 'badge', dataset: { status: attempt.status } }, STATUS_LABELS[attempt.status] ?? attempt.status), attempt.error ? el('div', { className: 'muted small' }, attempt.error.message) : null),
                  el('td', {}, attempt.providerStatus ?? '—'),
                  el('td', {}, formatMoment(attempt.startedAt)),
                  el('td', {}, formatMoment(attempt.endedAt)),
                  el('td', {}, attempt.durationSeconds === null ? '—' : `${attempt.durationSeconds} s`),
                ),
              ),
            ),
          ),
        );

  const timeline = el(
    'ol',
    { className: 'timeline' },
    call.events.map((event) =>
      el(
        'li',
        { dataset: { status: event.status, type: event.type } },
        el('time', { datetime: event.at }, formatMoment(event.at)),
        el('span', { className: 'event-text' }, describeEvent(event)),
        event.attempt === null ? null : el('span', { className: 'muted small' }, ` attempt ${event.attempt}`),
      ),
    ),
  );

  const metadata = call.metadata ? [el('h3', {}, 'Metadata'), el('pre', {}, JSON.stringify(call.metadata, null, 2))] : [];
  return [
    el('dl', { className: 'facts' }, rows.map(([name, value]) => [el('dt', {}, name), el('dd', {}, value)])),
    el('h3', {}, 'Attempts'),
    attempts,
    el('h3', {}, 'Timeline'),
    timeline,
    ...metadata,
  ];
}

async function refreshDetails() {
  const id = state.openCallId;
  if (id === null) return;
  const body = $('#dialog-body');
  try {
    const result = await api(`api/calls/${encodeURIComponent(id)}`);
    if (state.openCallId !== id) return;
    if (!result.ok) {
      body.replaceChildren(el('p', { className: 'form-error', role: 'alert' }, problemText(result)));
      return;
    }
    upsert(result.data);
    $('#dialog-title').textContent = `Call to ${result.data.to}`;
    body.replaceChildren(...detailsContent(result.data));
  } catch (error) {
    body.replaceChildren(el('p', { className: 'form-error', role: 'alert' }, `Cannot reach the server (${error.message}).`));
  }
}

async function openDetails(id) {
  state.openCallId = id;
  const dialog = $('#call-dialog');
  $('#dialog-title').textContent = 'Call';
  $('#dialog-body').replaceChildren(el('p', { className: 'muted' }, 'Loading…'));
  if (!dialog.open) dialog.showModal();
  await refreshDetails();
}

let detailsTimer = null;
function scheduleDetailsRefresh() {
  if (detailsTimer !== null) return;
  detailsTimer = setTimeout(() => {
    detailsTimer = null;
    void refreshDetails();
  }, 150);
}

// ------------------------------------------------------------------ live updates (SSE)

function setConnection(stateName, text) {
  const node = $('#connection');
  node.dataset.state = stateName;
  $('#connection-text').textContent = text;
}

function onServerEvent(_name, data) {
  if (!data || !data.call) return;
  const before = state.calls.get(data.call.id)?.status;
  const changed = upsert(data.call);
  render();
  if (changed && before !== undefined && data.call.status !== before) {
    announce(`Call to ${data.call.to}: ${(STATUS_LABELS[data.call.status] ?? data.call.status).toLowerCase()}.`);
  }
  if (state.openCallId === data.call.id) scheduleDetailsRefresh();
}

/** Reads one Server-Sent Events response until it ends, calling `onMessage(event, data)`. */
async function readEventStream(response, onMessage) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let eventName = 'message';
  let data = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let newline;
    while ((newline = buffer.search(/\r\n|\r|\n/)) !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (data.length > 0) {
          try {
            onMessage(eventName, JSON.parse(data.join('\n')));
          } catch {
            // A message that is not JSON is not ours; skip it.
          }
        }
        eventName = 'message';
        data = [];
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const text = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') eventName = text;
        else if (field === 'data') data.push(text);
      }
    }
  }
}

/**
 * Follows `GET api/events` for as long as the page is open, reconnecting with back-off. It reads
 * the stream with fetch rather than EventSource so that it can send the API key header. After
 * every (re)connection it reloads the list, so nothing that happened while away is missed.
 */
async function followEvents() {
  let backoff = 500;
  for (;;) {
    try {
      const response = await fetch('api/events', { headers: { accept: 'text/event-stream', ...authHeaders() }, cache: 'no-store' });
      if (response.status === 401) {
        setConnection('offline', 'API key needed');
        await askForKey();
        continue;
      }
      if (!response.ok || response.body === null) throw new Error(`the server answered ${response.status}`);
      setConnection('live', 'Live');
      backoff = 500;
      void loadCalls();
      if (state.openCallId !== null) scheduleDetailsRefresh();
      await readEventStream(response, onServerEvent);
      setConnection('reconnecting', 'Reconnecting…');
    } catch {
      setConnection('reconnecting', 'Offline, reconnecting…');
    }
    await sleep(backoff);
    backoff = Math.min(backoff * 2, 10_000);
  }
}

// ------------------------------------------------------------------ start

function start() {
  fillTimeZones();
  const form = $('#schedule-form');
  form.addEventListener('submit', (event) => void submitSchedule(event));
  for (const radio of form.querySelectorAll('input[name="when"]')) radio.addEventListener('change', syncWhen);
  syncWhen();

  $('#filter-status').addEventListener('change', (event) => {
    state.filterStatus = event.target.value;
    state.nextCursor = null;
    render();
    void loadCalls();
  });
  let searchTimer = null;
  $('#search').addEventListener('input', (event) => {
    state.search = event.target.value;
    $('#search-error').hidden = true;
    $('#search').removeAttribute('aria-invalid');
    render();
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      if (fullNumberOf(state.search) !== null) void loadCalls();
    }, 300);
  });
  $('#filters').addEventListener('submit', (event) => event.preventDefault());
  $('#load-more').addEventListener('click', () => void loadCalls({ append: true }));

  const list = $('#calls');
  list.addEventListener('click', onListClick);
  list.addEventListener('submit', onListSubmit);
  list.addEventListener('keydown', onListKeydown);

  const dialog = $('#call-dialog');
  $('#dialog-close').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    const id = state.openCallId;
    state.openCallId = null;
    const row = id === null ? undefined : state.rows.get(id);
    row?.querySelector('[data-action="details"]')?.focus();
  });
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close(); // a click on the backdrop
  });

  void followEvents();
}

start();
