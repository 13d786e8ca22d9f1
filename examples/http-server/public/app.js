// The example server's page: plain JavaScript, no framework. It talks to the call API at ./api.
/* global TextDecoderStream, sessionStorage, localStorage, setInterval */
import { instantToLocalInput, offsetAt, zonedToInstant } from './zoned-time.js';
import { $, clearErrors, el, rowEnd, sendScheduleForm, showFieldError, showFormError, showRowError, showRowHead, STATUS_LABELS, whileBusy } from './page-kit.js';
import { initSeries, loadSeries, onCallChanged, onSeriesEvent, repeating, submitSeries } from './series.js';

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
const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const KEY_STORAGE = 'callScheduler.apiKey';
const DENSITY_STORAGE = 'callScheduler.density';
const PAGE_SIZE = 50;
const LIVE_STATUSES = new Set(['dispatching', 'initiated', 'ringing', 'connected']);
/** The list's groups, in page order: what is happening now, what is due next, what has ended. */
const GROUPS = [
  { id: 'live', test: (call) => LIVE_STATUSES.has(call.status), order: (a, b) => dueOf(a) - dueOf(b) },
  { id: 'upcoming', test: (call) => call.status === 'scheduled', order: (a, b) => dueOf(a) - dueOf(b) },
  { id: 'past', test: (call) => STATUS_RANK[call.status] === 5, order: (a, b) => endOf(b) - endOf(a) },
];

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
  /** Every time zone the picker offers. */
  zones: [],
  /** The last valid zone of the form's time-zone field. */
  zone: BROWSER_ZONE,
  /** What the form said after scheduling: `{ callId, now }` (a "Calling ... now." goes away when the call ends). */
  formDone: null,
  /** What each row said after the user acted on it, by call id ("Canceled: ..."). */
  rowNotes: new Map(),
  /** Calls whose cancel button asked for confirmation, by id. */
  confirming: new Set(),
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

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const dateTimeFormats = new Map();

/**
 * The page's one date-time format, `Tue, Jan 15, 2030, 9:30 AM CST`, on the clocks of `timeZone`
 * (the browser's by default); `seconds` adds the seconds (a call's timeline is seconds apart).
 */
function formatDateTime(iso, { timeZone = BROWSER_ZONE, seconds = false } = {}) {
  if (iso === null || iso === undefined || iso === '') return '—';
  const key = `${timeZone}|${seconds}`;
  let format = dateTimeFormats.get(key);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(undefined, {
      timeZone,
      weekday: 'short',
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
      timeZoneName: 'short',
    });
    dateTimeFormats.set(key, format);
  }
  // Plain spaces (newer ICU puts a narrow no-break space before AM/PM), so copied text pastes anywhere.
  return format.format(new Date(iso)).replace(/\u202f/g, ' ');
}

/** The same format with seconds: the moments of a call's timeline and attempts. */
function formatMoment(iso) {
  return formatDateTime(iso, { seconds: true });
}

/** `in 2 min`, `in 3 h 5 min`, `4 days ago`: how far `iso` is from now. */
function relativeTime(iso, now = Date.now()) {
  const diff = Date.parse(iso) - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return diff >= 0 ? 'in less than a minute' : 'just now';
  const minutes = Math.round(abs / 60_000);
  let text;
  if (minutes < 60) text = `${minutes} min`;
  else if (minutes < 48 * 60) text = minutes % 60 === 0 ? `${Math.floor(minutes / 60)} h` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  else if (minutes < 60 * 24 * 60) text = `${Math.round(minutes / 1440)} days`;
  else if (minutes < 60 * 24 * 730) text = `${Math.round(minutes / (1440 * 30.44))} months`;
  else text = `${Math.round(minutes / (1440 * 365.25))} years`;
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

/** `UTC+05:30`: how far `timeZone`'s clocks are from UTC now. */
function utcOffsetLabel(timeZone, at = Date.now()) {
  const minutes = Math.round(offsetAt(at, timeZone) / 60_000);
  const sign = minutes < 0 ? '−' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** When a call is (or was) due: its next attempt, else its time. */
function dueOf(call) {
  return Date.parse(call.nextAttemptAt ?? call.at);
}

/** When a call ended (its last change, for a call that has no end time). */
function endOf(call) {
  return Date.parse(call.endedAt ?? call.updatedAt);
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
  let zones = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  state.zones = [...new Set([BROWSER_ZONE, 'UTC', ...zones])].sort((a, b) => a.localeCompare(b));
  const now = Date.now();
  // Chromium and Firefox search a datalist's values and labels as you type: "Tokyo", "UTC+09".
  $('#time-zones').replaceChildren(
    ...state.zones.map((zone) => el('option', { value: zone }, `${utcOffsetLabel(zone, now)}${zone === BROWSER_ZONE ? ' · yours' : ''}`)),
  );
  $('#timeZone').value = BROWSER_ZONE;
  state.zone = BROWSER_ZONE;
}

/**
 * The zone the user typed, spelled as the list spells it, or `null` when it is not one. Other
 * IANA names the browser knows (`Asia/Kolkata` where the list says `Asia/Calcutta`) are accepted too.
 */
function knownZone(text) {
  const wanted = text.trim().replace(/\s+/g, '_');
  if (wanted === '') return null;
  const listed = state.zones.find((zone) => zone.toLowerCase() === wanted.toLowerCase());
  if (listed !== undefined) return listed;
  if (!wanted.includes('/')) return null;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: wanted }).format(0);
    return wanted.split('/').map((part) => part.split('_').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('_')).join('/');
  } catch {
    return null;
  }
}

function defaultLaterValue(timeZone) {
  const inAnHour = Date.now() + 60 * 60 * 1000;
  const rounded = Math.ceil(inAnHour / (5 * 60 * 1000)) * 5 * 60 * 1000;
  return instantToLocalInput(rounded, timeZone);
}

function whenChoice() {
  return $('#schedule-form').elements.namedItem('when').value;
}

/** Shows the date field for "At a date and time", and the zone only where it matters. */
function syncWhen() {
  const later = whenChoice() === 'later';
  $('#at-field').hidden = !later;
  // For "Now" the zone only matters to the calling hours (they are read on the recipient's clocks).
  $('#timeZone-field').hidden = !later && !$('#tcpa').checked;
  $('#timeZone-hint').textContent = later
    ? "The recipient's time zone (yours by default): the date and time above are read on its clocks. Type a city or an offset to search."
    : "The recipient's time zone: the calling hours are read on its clocks. Type a city or an offset to search.";
  $('#schedule-button').textContent = later ? 'Schedule call' : 'Call now';
  if (later && $('#at').value === '') $('#at').value = defaultLaterValue(state.zone);
}

/**
 * A new zone keeps the moment the user chose: 01:40 in Berlin becomes 09:40 in Tokyo (the same
 * instant), and the page says so, rather than silently reading 01:40 on Tokyo's clocks.
 */
function onZoneChange() {
  const form = $('#schedule-form');
  const input = $('#timeZone');
  const note = $('#timeZone-note');
  const error = $('#timeZone-error');
  const zone = knownZone(input.value);
  error.hidden = true;
  error.textContent = '';
  input.removeAttribute('aria-invalid');
  if (zone === null) {
    note.textContent = '';
    showFieldError(form, 'timeZone', `“${input.value.trim()}” is not a time zone of the list. Type a city, e.g. Chicago, and pick it; still ${state.zone}.`);
    return;
  }
  input.value = zone;
  const previous = state.zone;
  state.zone = zone;
  if (zone === previous) return;
  const local = $('#at').value;
  const instant = local === '' ? null : zonedToInstant(local, previous);
  if (whenChoice() === 'later' && instant !== null) {
    $('#at').value = instantToLocalInput(instant, zone);
    note.textContent = `Same moment, new clocks: ${formatDateTime(instant, { timeZone: zone })} in ${zone} is ${formatDateTime(instant, { timeZone: previous })} in ${previous}.`;
  } else {
    note.textContent = `Time zone: ${zone} (${utcOffsetLabel(zone)}).`;
  }
}

/** Back to a blank form after a call was scheduled, so the next one starts clean. */
function resetForm() {
  const form = $('#schedule-form');
  form.reset();
  clearErrors(form);
  $('#timeZone').value = BROWSER_ZONE;
  state.zone = BROWSER_ZONE;
  $('#timeZone-note').textContent = '';
  $('#more').open = false;
  syncWhen();
}

/** The sentence that says what became of a new call, including what the calling hours did to it. */
function describeScheduled(call, requestedAt, later) {
  const zone = call.timeZone ?? BROWSER_ZONE;
  const due = call.nextAttemptAt ?? call.at;
  const moved = call.status === 'scheduled' && call.window && Date.parse(due) - requestedAt >= 60_000;
  if (moved) {
    const asked = later ? formatDateTime(requestedAt, { timeZone: zone }) : 'Now';
    return {
      text: `Calling hours moved this call: ${asked} is outside the calling hours (${describeWindow(call.window)} in ${zone}), so the call to ${call.to} is due ${formatDateTime(due, { timeZone: zone })}, ${relativeTime(due)}: their next opening.`,
      now: false,
    };
  }
  if (!later || call.status !== 'scheduled') return { text: `Calling ${call.to} now.`, now: true };
  return { text: `Scheduled a call to ${call.to} for ${formatDateTime(due, { timeZone: zone })} in ${zone}, ${relativeTime(due)}.`, now: false };
}

/**
 * The calling hours and retries of the form, as `{ window?, retry? }`; `null` (with the field's
 * error shown) when the retry minutes are not valid. A call and a series take the same ones.
 */
async function submitSchedule(event) {
  event.preventDefault();
  // "Repeat" other than never schedules a series (series.js).
  if (repeating()) {
    await submitSeries();
    return;
  }
  const form = $('#schedule-form');
  clearErrors(form);
  $('#form-done').textContent = '';
  state.formDone = null;
  const zone = knownZone($('#timeZone').value);
  const timeZone = zone ?? state.zone;
  const body = { to: $('#to').value, timeZone };
  let invalid = false;
  let requestedAt = Date.now();
  if (zone === null) {
    showFieldError(form, 'timeZone', `“${$('#timeZone').value.trim()}” is not a time zone of the list. Type a city, e.g. Chicago, and pick it.`);
    invalid = true;
  }

  if (whenChoice() === 'later') {
    const local = $('#at').value;
    const instant = local === '' ? null : zonedToInstant(local, timeZone);
    if (instant === null) {
      showFieldError(form, 'at', 'Choose a date and a time.');
      invalid = true;
    } else if (instant < Date.now() - 60_000) {
      showFieldError(form, 'at', `That is in the past in ${timeZone} (${formatDateTime(instant, { timeZone })}). Choose a later time, or Now.`);
      invalid = true;
    } else {
      // The server reads the wall-clock time in the zone (and applies its rule for DST gaps and
      // overlaps); the browser's own conversion above only catches a time in the past.
      body.at = { local, timeZone };
      requestedAt = instant;
    }
  }
  await sendScheduleForm(form, body, invalid, async () => {
    const result = await api('api/calls', { method: 'POST', body, headers: { 'idempotency-key': state.draftKey } });
    if (!result.ok) {
      showProblem(form, result);
      return;
    }
    state.draftKey = newKey();
    upsert(result.data);
    const call = result.data;
    const done = describeScheduled(call, requestedAt, body.at !== undefined);
    resetForm();
    render();
    state.formDone = { callId: call.id, now: done.now };
    $('#form-done').textContent = done.text;
    syncFormDone();
  });
}

/** "Calling ... now." is true while the call is live: it goes once the call has ended. */
function syncFormDone() {
  if (state.formDone === null || !state.formDone.now) return;
  const call = state.calls.get(state.formDone.callId);
  if (call !== undefined && STATUS_RANK[call.status] === 5) {
    state.formDone = null;
    $('#form-done').textContent = '';
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

/** When the call is due, on the clocks of its zone, and the zone's name. */
function dueText(call) {
  const zone = call.timeZone ?? BROWSER_ZONE;
  return `${formatDateTime(call.nextAttemptAt ?? call.at, { timeZone: zone })} in ${zone}`;
}

/** Whether the calling hours put the call later than its time (its first attempt only). */
function movedByWindow(call) {
  return call.status === 'scheduled' && call.window && call.attemptCount === 0 && call.nextAttemptAt !== null && Date.parse(call.nextAttemptAt) - Date.parse(call.at) >= 60_000;
}

/** The row's line about time: when it is due (with a countdown), or what is happening, or when it ended. */
function describeWhen(call) {
  const parts = [];
  if (call.status === 'scheduled') {
    parts.push(`Due ${dueText(call)}`);
    if (call.attemptCount > 0) parts.push(`attempt ${call.attemptCount + 1}`);
    if (movedByWindow(call)) parts.push(`moved by the calling hours from ${formatDateTime(call.at, { timeZone: call.timeZone ?? BROWSER_ZONE })}`);
    else if (call.window) parts.push('calling hours set');
  } else if (LIVE_STATUSES.has(call.status)) {
    // While it rings, the time it was scheduled for and its zone stay in view.
    parts.push(`Attempt ${Math.max(1, call.attemptCount)} · scheduled for ${formatDateTime(call.at, { timeZone: call.timeZone ?? BROWSER_ZONE })} in ${call.timeZone ?? BROWSER_ZONE}`);
  } else {
    parts.push(`${STATUS_LABELS[call.status] ?? call.status} ${formatDateTime(call.endedAt ?? call.updatedAt)}`);
    if (call.attemptCount > 1) parts.push(`${call.attemptCount} attempts`);
  }
  return parts.join(' · ');
}

/** The countdown of a row: `in 2 min` for a call due later, `3 min ago` for one that ended. */
function countdownOf(call) {
  if (call.status === 'scheduled') return relativeTime(call.nextAttemptAt ?? call.at);
  if (LIVE_STATUSES.has(call.status)) return 'now';
  return relativeTime(call.endedAt ?? call.updatedAt);
}

function createRow(call) {
  const number = el('span', { className: 'number' });
  const badge = el('span', { className: 'badge' });
  const countdown = el('span', { className: 'countdown' });
  const when = el('p', { className: 'when' });
  const problem = el('p', { className: 'call-problem', hidden: true });
  const details = el('button', { type: 'button', className: 'details', dataset: { action: 'details' } }, 'Details');
  const reschedule = el('button', { type: 'button', dataset: { action: 'reschedule' }, 'aria-expanded': 'false' }, 'Reschedule');
  const cancel = el('button', { type: 'button', className: 'danger', dataset: { action: 'cancel' } }, 'Cancel');
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
    el('div', { className: 'call-head' }, number, badge, countdown),
    when,
    problem,
    el('div', { className: 'call-actions' }, details, reschedule, cancel),
    rowEnd({ action: 'confirm-cancel', yes: 'Yes, cancel it', keep: 'Keep the call' }),
    editor,
  );
  return li;
}

function updateRow(li, call) {
  showRowHead(li, { status: call.status, label: STATUS_LABELS[call.status] ?? call.status, to: call.to });
  const when = describeWhen(call);
  $('.when', li).textContent = when;
  $('.when', li).title = when; // the compact density may cut the line short
  $('.countdown', li).textContent = countdownOf(call);
  $('.row-done', li).textContent = state.rowNotes.get(call.id) ?? '';
  const problem = $('.call-problem', li);
  problem.hidden = call.error === null;
  problem.textContent = call.error === null ? '' : call.error.message;
  const scheduled = call.status === 'scheduled';
  $('[data-action="details"]', li).setAttribute('aria-label', `Details of the call to ${call.to}`);
  const reschedule = $('[data-action="reschedule"]', li);
  reschedule.hidden = !scheduled;
  reschedule.setAttribute('aria-label', `Reschedule the call to ${call.to}`);
  const cancel = $('[data-action="cancel"]', li);
  const confirming = scheduled && state.confirming.has(call.id);
  cancel.hidden = !scheduled || confirming;
  cancel.setAttribute('aria-label', `Cancel the call to ${call.to}`);
  $('.confirm', li).hidden = !confirming;
  $('.confirm-question', li).textContent = `Cancel the call to ${call.to}, due ${dueText(call)}? It will not be dialed, and this cannot be undone.`;
  if (!scheduled) {
    state.confirming.delete(call.id);
    closeEditor(li, false);
  }
}

/**
 * Shows the calls as a schedule: the ones ringing now, then the upcoming ones by due time (next
 * first), then the ended ones by recency (latest first). Rows are kept and moved, not rebuilt, so
 * focus and an open editor survive a live update.
 */
function render() {
  const visible = [...state.calls.values()].filter(matches);
  const keep = new Set(visible.map((call) => call.id));
  for (const [id, li] of state.rows) {
    if (!keep.has(id)) {
      li.remove();
      state.rows.delete(id);
    }
  }
  for (const group of GROUPS) {
    const section = $(`.call-group[data-group="${group.id}"]`);
    const list = $('ul', section);
    const calls = visible.filter(group.test).sort((a, b) => group.order(a, b) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    let previous = null;
    for (const call of calls) {
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
    section.hidden = calls.length === 0;
  }
  syncFormDone();
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

/**
 * A query string whose values keep their spaces and `+` signs: `+1 212 555 0199` is sent as
 * `%2B1%20212%20555%200199`. (`URLSearchParams` writes a space as `+`, which the API reads as a
 * plus sign, so a number typed with spaces would arrive as `+1+212+555+0199`.)
 */
function queryString(params) {
  return Object.entries(params)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
}

async function loadCalls({ append = false } = {}) {
  const params = { limit: String(PAGE_SIZE) };
  if (state.filterStatus !== '') params.status = state.filterStatus;
  const full = fullNumberOf(state.search);
  if (full !== null) params.to = full;
  if (append && state.nextCursor !== null) params.cursor = state.nextCursor;
  const listError = $('#list-error');
  const searchError = $('#search-error');
  // The list pages newest first; the schedule also needs every call still to come, however old
  // it is, so a first load fetches those too (up to 1000).
  const upcoming =
    append || state.filterStatus !== ''
      ? null
      : api(`api/calls?${queryString({ limit: '1000', status: [...LIVE_STATUSES, 'scheduled'].join(','), ...(full === null ? {} : { to: full }) })}`).catch(() => null);
  try {
    const result = await api(`api/calls?${queryString(params)}`);
    const ahead = await upcoming;
    if (ahead?.ok) for (const call of ahead.data.items) upsert(call);
    if (!result.ok) {
      const toProblem = (result.data?.errors ?? []).find((e) => e.path === 'query.to');
      if (toProblem) {
        // The line under the filters is always there, so the message does not move them.
        searchError.textContent = `${capitalize(toProblem.message)}.`;
        $('#search').setAttribute('aria-invalid', 'true');
      } else {
        listError.textContent = `Cannot load the calls: ${problemText(result)}`;
        listError.hidden = false;
      }
      return;
    }
    listError.hidden = true;
    searchError.textContent = '';
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

/** The first click on Cancel asks; only "Yes, cancel it" cancels. */
function askToCancel(li) {
  const id = li.dataset.id;
  state.confirming.add(id);
  state.rowNotes.delete(id);
  showRowError(li, '');
  const call = state.calls.get(id);
  if (call !== undefined) updateRow(li, call);
  $('[data-action="keep"]', li).focus();
}

function keepCall(li) {
  const id = li.dataset.id;
  state.confirming.delete(id);
  const call = state.calls.get(id);
  if (call !== undefined) updateRow(li, call);
  $('[data-action="cancel"]', li).focus();
}

async function cancelCall(li) {
  const id = li.dataset.id;
  const before = state.calls.get(id);
  showRowError(li, '');
  const cancel = async () => {
    const result = await api(`api/calls/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
    state.confirming.delete(id);
    if (!result.ok) {
      const current = result.data?.currentStatus;
      render();
      showRowError(li, current ? `Too late to cancel: the call is already ${STATUS_LABELS[current]?.toLowerCase() ?? current}.` : problemText(result));
      return;
    }
    const text = `Canceled: the call to ${result.data.to}${before ? `, due ${dueText(before)},` : ''} will not be dialed.`;
    state.rowNotes.set(id, text);
    upsert(result.data);
    render();
    announce(text);
    $('[data-action="details"]', li).focus();
  };
  await whileBusy($('[data-action="confirm-cancel"]', li), cancel, (text) => showRowError(li, text));
}

async function saveReschedule(li) {
  const editor = $('form.reschedule', li);
  clearErrors(editor);
  const before = state.calls.get(li.dataset.id); // the live stream may bring the new version first
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
  const call = result.data;
  const moved = movedByWindow(call)
    ? ` The calling hours (${describeWindow(call.window)} in ${zone}) moved it from ${formatDateTime(call.at, { timeZone: zone })}.`
    : '';
  const text = `Rescheduled: the call to ${call.to} is now due ${dueText(call)}, ${relativeTime(call.nextAttemptAt ?? call.at)}${before ? ` (was ${dueText(before)})` : ''}.${moved}`;
  state.rowNotes.set(call.id, text);
  upsert(call);
  closeEditor(li);
  render();
  announce(text);
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
  } else if (action === 'cancel') askToCancel(li);
  else if (action === 'confirm-cancel') void cancelCall(li);
  else if (action === 'keep') keepCall(li);
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
    const talk = typeof event.data?.durationSeconds === 'number' ? `, talk time ${event.data.durationSeconds} s (the provider's figure)` : '';
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

/** `5 s`, `0.5 s`, `2 min 5 s`. */
function formatSeconds(ms) {
  const seconds = ms / 1000;
  if (seconds < 10) return `${Number(seconds.toFixed(1))} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/**
 * Connected time of an attempt by the call's own timeline: from the event that saw it connected
 * to the event that saw it end. `null` when it never connected (or has not ended).
 */
function connectedMsOf(call, attemptNumber) {
  const events = call.events.filter((event) => event.attempt === attemptNumber);
  const connected = events.find((event) => event.status === 'connected');
  if (connected === undefined) return null;
  const ended = events.find((event) => STATUS_RANK[event.status] === 5 && Date.parse(event.at) >= Date.parse(connected.at));
  if (ended === undefined) return null;
  return Date.parse(ended.at) - Date.parse(connected.at);
}

function detailsContent(call) {
  const badge = el('span', { className: 'badge', dataset: { status: call.status } }, STATUS_LABELS[call.status] ?? call.status);
  const rows = [
    ['Number', call.to],
    ['Status', badge],
    ['Scheduled for', `${formatDateTime(call.at, { timeZone: call.timeZone ?? BROWSER_ZONE })} in ${call.timeZone ?? BROWSER_ZONE}`],
    call.nextAttemptAt ? ['Next attempt', `${formatDateTime(call.nextAttemptAt, { timeZone: call.timeZone ?? BROWSER_ZONE })}, ${relativeTime(call.nextAttemptAt)}${movedByWindow(call) ? ' (moved by the calling hours)' : ''}`] : null,
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
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                ['#', 'Status', 'Provider', 'Started', 'Ended', "Talk time (provider's figure)", 'Connected (timeline)'].map((h) => el('th', { scope: 'col' }, h)),
              ),
            ),
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
                  el('td', {}, ((ms) => (ms === null ? '—' : formatSeconds(ms)))(connectedMsOf(call, attempt.number))),
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

function onServerEvent(name, data) {
  if (name.startsWith('series:')) onSeriesEvent(name, data);
  if (!data || !data.call) return;
  const before = state.calls.get(data.call.id)?.status;
  const changed = upsert(data.call);
  render();
  if (changed && before !== undefined && data.call.status !== before) {
    announce(`Call to ${data.call.to}: ${(STATUS_LABELS[data.call.status] ?? data.call.status).toLowerCase()}.`);
  }
  if (state.openCallId === data.call.id) scheduleDetailsRefresh();
  onCallChanged(data.call);
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
      void loadSeries();
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

// ------------------------------------------------------------------ clearing ended calls

function purgeAgeMs() {
  return Number($('#purge-age').value);
}

function purgeAgeText() {
  const option = $('#purge-age').selectedOptions[0];
  return purgeAgeMs() === 0 ? 'Every ended call' : `Ended calls older than ${option.textContent}`;
}

/** The first click asks, naming what will go; "Delete them" sends `POST api/calls/purge`. */
function askToPurge(event) {
  event.preventDefault();
  const endedBefore = new Date(Date.now() - purgeAgeMs());
  const count = [...state.calls.values()].filter((call) => call.endedAt && Date.parse(call.endedAt) < endedBefore.getTime()).length;
  $('#purge-error').hidden = true;
  $('#purge-done').textContent = '';
  $('#purge-question').textContent = `${purgeAgeText()} (ended before ${formatDateTime(endedBefore.toISOString())}) will be deleted with their history: ${count === 1 ? '1 of the calls shown' : `${count} of the calls shown`}, and any older ones not loaded. This cannot be undone.`;
  $('#purge-confirm').hidden = false;
  $('#purge-button').hidden = true;
  $('#purge-no').focus();
}

function closePurge() {
  $('#purge-confirm').hidden = true;
  $('#purge-button').hidden = false;
}

async function purge() {
  const endedBefore = new Date(Date.now() - purgeAgeMs()).toISOString();
  const yes = $('#purge-yes');
  yes.disabled = true;
  try {
    const result = await api('api/calls/purge', { method: 'POST', body: { endedBefore } });
    closePurge();
    if (!result.ok) {
      const error = $('#purge-error');
      error.textContent =
        result.status === 403 || result.status === 404
          ? `This server does not allow clearing calls (${problemText(result)}).`
          : `Nothing was cleared: ${problemText(result)}`;
      error.hidden = false;
      return;
    }
    const deleted = Number(result.data?.deleted ?? 0);
    for (const [id, call] of state.calls) {
      if (call.endedAt && Date.parse(call.endedAt) < Date.parse(endedBefore)) {
        state.calls.delete(id);
        state.rowNotes.delete(id);
      }
    }
    render();
    const text =
      deleted === 0
        ? `No ended call was older than that: nothing was cleared.`
        : `Cleared ${deleted === 1 ? '1 ended call' : `${deleted} ended calls`} that ended before ${formatDateTime(endedBefore)}.`;
    $('#purge-done').textContent = text;
    $('#purge-button').focus();
  } catch (error) {
    closePurge();
    $('#purge-error').textContent = `Cannot reach the server (${error.message}).`;
    $('#purge-error').hidden = false;
  } finally {
    yes.disabled = false;
  }
}

// ------------------------------------------------------------------ density

function readDensity() {
  try {
    return localStorage.getItem(DENSITY_STORAGE) === 'compact';
  } catch {
    return false;
  }
}

/** Compact rows: one line per call, so a 1080p screen shows a dozen or more. */
function setDensity(compact) {
  $('.calls-panel').classList.toggle('compact', compact);
  $('#density').setAttribute('aria-pressed', String(compact));
  try {
    localStorage.setItem(DENSITY_STORAGE, compact ? 'compact' : 'comfortable');
  } catch {
    // Storage may be off; the choice then lasts until the page is reloaded.
  }
}

// ------------------------------------------------------------------ start

function start() {
  fillTimeZones();
  const form = $('#schedule-form');
  form.addEventListener('submit', (event) => void submitSchedule(event));
  // A field's error goes as soon as the field is edited.
  form.addEventListener('input', (event) => {
    const container = event.target.closest('.field');
    if (container === null || event.target.id === 'timeZone') return;
    for (const error of container.querySelectorAll('.error')) {
      error.textContent = '';
      error.hidden = true;
    }
    for (const input of container.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  });
  for (const radio of form.querySelectorAll('input[name="when"]')) radio.addEventListener('change', syncWhen);
  $('#tcpa').addEventListener('change', syncWhen);
  $('#timeZone').addEventListener('change', onZoneChange);
  syncWhen();
  initSeries({
    api,
    announce,
    formatDateTime,
    knownZone,
    newKey,
    problemText,
    resetForm,
    showProblem,
    syncWhen,
    zone: () => state.zone,
  });

  setDensity(readDensity());
  $('#density').addEventListener('click', () => setDensity($('#density').getAttribute('aria-pressed') !== 'true'));
  $('#purge-form').addEventListener('submit', askToPurge);
  $('#purge-no').addEventListener('click', () => {
    closePurge();
    $('#purge-button').focus();
  });
  $('#purge-yes').addEventListener('click', () => void purge());
  // Countdowns ("in 2 min") move on with the clock.
  setInterval(() => {
    for (const [id, li] of state.rows) {
      const call = state.calls.get(id);
      if (call !== undefined) $('.countdown', li).textContent = countdownOf(call);
    }
  }, 15_000);

  $('#filter-status').addEventListener('change', (event) => {
    state.filterStatus = event.target.value;
    state.nextCursor = null;
    render();
    void loadCalls();
  });
  let searchTimer = null;
  $('#search').addEventListener('input', (event) => {
    state.search = event.target.value;
    $('#search-error').textContent = '';
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
