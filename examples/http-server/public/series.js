// Recurring calls on the page: the form's "Repeat" choice (with the next 5 calls on the
// recipient's clocks before saving) and the "Recurring calls" list, where each series shows its
// occurrence calls with their statuses and can be paused, resumed and ended. Plain JavaScript,
// talking to the same API as the rest of the page: /api/series.
import { $, clearErrors, el, rowEnd, sendScheduleForm, showFieldError, showRowError, showRowHead, STATUS_LABELS, whileBusy } from './page-kit.js';

const WEEKDAY_NAMES = { MON: 'Mon', TUE: 'Tue', WED: 'Wed', THU: 'Thu', FRI: 'Fri', SAT: 'Sat', SUN: 'Sun' };
const SERIES_STATUS_LABELS = { active: 'Active', paused: 'Paused', ended: 'Ended' };
const END_REASONS = { count: 'all its calls were made', endAt: 'its end date has passed', exhausted: 'its pattern has no more dates', canceled: 'no more calls' };
const PREVIEW_COUNT = 5;

/** What the page's main script hands over (its helpers), set by {@link initSeries}. */
let h = null;

const series = {
  /** Every series the page knows, by id (JSON as the API sends it). */
  byId: new Map(),
  /** The occurrence calls of each series whose list is open, by series id. */
  occurrences: new Map(),
  /** The series whose occurrence list is open. */
  open: new Set(),
  /** The series whose End button asked for confirmation. */
  confirming: new Set(),
  /** What each row said after the user acted on it, by series id. */
  notes: new Map(),
  /** The idempotency key of the series being drafted. */
  draftKey: null,
  previewTimer: null,
  previewSeq: 0,
  refreshTimer: null,
};

/** The chosen repeat: `never`, `daily`, `weekdays`, `weekly` or `custom`. */
function repeatChoice() {
  return $('#repeat').value;
}

/** True when the form schedules a series rather than one call. */
export function repeating() {
  return repeatChoice() !== 'never';
}

function chosenDays() {
  return [...document.querySelectorAll('input[name="repeat-day"]:checked')].map((input) => input.value);
}

/** The cron pattern of the form's choice, or `{ error }` naming the field to fix. */
function cronOfForm() {
  const choice = repeatChoice();
  if (choice === 'custom') {
    const cron = $('#cron').value.trim();
    return cron === '' ? { error: { field: 'cron', message: 'Type a cron pattern, e.g. 0 9 * * MON-FRI.' } } : { cron };
  }
  const time = $('#repeat-time').value;
  const match = /^(\d{2}):(\d{2})$/.exec(time);
  if (match === null) return { error: { field: 'repeatTime', message: 'Choose the time of day.' } };
  const minute = Number(match[2]);
  const hour = Number(match[1]);
  if (choice === 'daily') return { cron: `${minute} ${hour} * * *` };
  if (choice === 'weekdays') return { cron: `${minute} ${hour} * * MON-FRI` };
  const days = chosenDays();
  if (days.length === 0) return { error: { field: 'repeatDays', message: 'Choose at least one day.' } };
  return { cron: `${minute} ${hour} * * ${days.join(',')}` };
}

/** `Weekdays at 09:00`, `Every day at 07:30`, `Mon, Thu at 18:00`, or the pattern itself. */
export function describeCron(cron) {
  const match = /^(\d{1,2}) (\d{1,2}) \* \* (\*|MON-FRI|[A-Z,]+)$/.exec(cron);
  if (match === null) return `Cron ${cron}`;
  const at = `${match[2].padStart(2, '0')}:${match[1].padStart(2, '0')}`;
  if (match[3] === '*') return `Every day at ${at}`;
  if (match[3] === 'MON-FRI') return `Weekdays at ${at}`;
  const days = match[3].split(',');
  if (!days.every((day) => day in WEEKDAY_NAMES)) return `Cron ${cron}`;
  return `${days.map((day) => WEEKDAY_NAMES[day]).join(', ')} at ${at}`;
}

// ------------------------------------------------------------------ the form

/** Shows the fields of the chosen repeat, hides "When" for a series, and asks for a new preview. */
export function syncRepeat() {
  const choice = repeatChoice();
  const on = choice !== 'never';
  $('#repeat-time-field').hidden = !on || choice === 'custom';
  $('#repeat-days-field').hidden = choice !== 'weekly';
  $('#cron-field').hidden = choice !== 'custom';
  $('#repeat-preview').hidden = !on;
  // A series starts now and repeats on the recipient's clocks: the zone always matters.
  $('.field.when').hidden = on;
  if (on) {
    $('#at-field').hidden = true;
    $('#timeZone-field').hidden = false;
    $('#timeZone-hint').textContent = "The recipient's time zone (yours by default): every call of the series is at this time on its clocks, across daylight saving changes.";
    $('#schedule-button').textContent = 'Schedule series';
    schedulePreview();
  } else {
    h.syncWhen();
  }
}

function schedulePreview() {
  clearTimeout(series.previewTimer);
  series.previewTimer = setTimeout(() => void preview(), 200);
}

function showPreviewMessage(text) {
  $('#repeat-preview-list').replaceChildren();
  const message = $('#repeat-preview-message');
  message.textContent = text;
  message.hidden = text === '';
}

/** Asks the server for the next 5 occurrences of the form's series and lists them on the recipient's clocks. */
async function preview() {
  if (!repeating()) return;
  const seq = ++series.previewSeq;
  const zone = h.knownZone($('#timeZone').value) ?? h.zone();
  const rule = cronOfForm();
  $('#repeat-preview-zone').textContent = `On the recipient's clocks: ${zone}.`;
  if (rule.error !== undefined) {
    showPreviewMessage(rule.error.message);
    return;
  }
  let result;
  try {
    result = await h.api(`api/series/preview?limit=${PREVIEW_COUNT}`, { method: 'POST', body: { cron: rule.cron, timeZone: zone } });
  } catch (error) {
    if (seq === series.previewSeq) showPreviewMessage(`Cannot reach the server (${error.message}).`);
    return;
  }
  if (seq !== series.previewSeq) return; // a newer preview is on its way
  if (!result.ok) {
    const first = Array.isArray(result.data?.errors) ? result.data.errors[0] : undefined;
    showPreviewMessage(first === undefined ? h.problemText(result) : `${first.path === 'cron' ? 'Cron pattern' : first.path} ${first.message}.`);
    return;
  }
  const items = result.data.occurrences;
  showPreviewMessage(items.length === 0 ? 'This pattern has no dates ahead.' : '');
  $('#repeat-preview-list').replaceChildren(
    ...items.map((occurrence) => el('li', { dataset: { at: occurrence.at } }, el('time', { datetime: occurrence.at }, h.formatDateTime(occurrence.at, { timeZone: result.data.timeZone })))),
  );
}

function fieldOfSeriesPath(path) {
  const head = String(path).split('.')[0];
  if (head === 'cron') return repeatChoice() === 'custom' ? 'cron' : 'repeatTime';
  return ['to', 'timeZone', 'window', 'retry'].includes(head) ? head : null;
}

/** Schedules the form's series (`POST api/series`), then lists it with its occurrences open. */
export async function submitSeries() {
  const form = $('#schedule-form');
  clearErrors(form);
  $('#form-done').textContent = '';
  const zone = h.knownZone($('#timeZone').value);
  let invalid = false;
  if (zone === null) {
    showFieldError(form, 'timeZone', `“${$('#timeZone').value.trim()}” is not a time zone of the list. Type a city, e.g. Chicago, and pick it.`);
    invalid = true;
  }
  const rule = cronOfForm();
  if (rule.error !== undefined) {
    showFieldError(form, rule.error.field, rule.error.message);
    invalid = true;
  }
  const body = { to: $('#to').value, cron: rule.cron, timeZone: zone ?? h.zone() };
  await sendScheduleForm(form, body, invalid, async () => {
    series.draftKey ??= h.newKey();
    const result = await h.api('api/series', { method: 'POST', body, headers: { 'idempotency-key': series.draftKey } });
    if (!result.ok) {
      h.showProblem(form, result, fieldOfSeriesPath);
      return;
    }
    series.draftKey = null;
    const created = result.data;
    series.byId.set(created.id, created);
    series.open.add(created.id);
    h.resetForm();
    syncRepeat();
    renderSeries();
    await loadOccurrences(created.id);
    const first = nextCallAt(series.byId.get(created.id) ?? created);
    const text = `Scheduled a series: calls to ${created.to}, ${describeCron(created.cron).toLowerCase()} in ${created.timeZone}.${first ? ` First: ${h.formatDateTime(first, { timeZone: created.timeZone })}.` : ''}`;
    $('#form-done').textContent = text;
  });
}

// ------------------------------------------------------------------ the list of series

/** When the series next calls: its earliest waiting occurrence call, else its next occurrence without a call yet. */
function nextCallAt(item) {
  const waiting = (series.occurrences.get(item.id) ?? [])
    .filter((call) => call.status === 'scheduled')
    .map((call) => call.nextAttemptAt ?? call.at)
    .sort();
  return waiting[0] ?? item.nextOccurrenceAt;
}

function createSeriesRow(item) {
  const listId = `occurrences-${item.id}`;
  return el(
    'li',
    { className: 'series', dataset: { id: item.id } },
    el('div', { className: 'call-head' }, el('span', { className: 'number' }), el('span', { className: 'badge' })),
    el('p', { className: 'rule' }),
    el('p', { className: 'when' }),
    el(
      'div',
      { className: 'call-actions' },
      el('button', { type: 'button', dataset: { action: 'occurrences' }, 'aria-expanded': 'false', 'aria-controls': listId }, 'Calls'),
      el('button', { type: 'button', dataset: { action: 'pause' } }, 'Pause'),
      el('button', { type: 'button', dataset: { action: 'resume' } }, 'Resume'),
      el('button', { type: 'button', className: 'danger', dataset: { action: 'end' } }, 'End…'),
    ),
    rowEnd({ action: 'confirm-end', yes: 'Yes, end it', keep: 'Keep the series' }),
    el('div', { className: 'occurrences', id: listId, hidden: true }, el('ol', { className: 'occurrence-list', 'aria-label': 'Calls of this series' })),
  );
}

function updateSeriesRow(li, item) {
  showRowHead(li, { status: item.status, label: SERIES_STATUS_LABELS[item.status] ?? item.status, to: item.to });
  $('.rule', li).textContent = `${describeCron(item.cron)} · ${item.timeZone}`;
  let when;
  if (item.status === 'ended') when = `Ended: ${END_REASONS[item.endReason] ?? 'no more calls'}.`;
  else if (item.status === 'paused') when = 'Paused: no calls until it is resumed.';
  else {
    const next = nextCallAt(item);
    when = next ? `Next call: ${h.formatDateTime(next, { timeZone: item.timeZone })}` : 'No more calls ahead.';
  }
  $('.when', li).textContent = when;
  $('.row-done', li).textContent = series.notes.get(item.id) ?? '';
  const open = series.open.has(item.id);
  const toggle = $('[data-action="occurrences"]', li);
  toggle.setAttribute('aria-expanded', String(open));
  toggle.textContent = open ? 'Hide calls' : 'Calls';
  toggle.setAttribute('aria-label', `${open ? 'Hide the' : 'Show the'} calls of the series to ${item.to}`);
  $('.occurrences', li).hidden = !open;
  const confirming = item.status !== 'ended' && series.confirming.has(item.id);
  $('[data-action="pause"]', li).hidden = item.status !== 'active';
  $('[data-action="pause"]', li).setAttribute('aria-label', `Pause the series to ${item.to}`);
  $('[data-action="resume"]', li).hidden = item.status !== 'paused';
  $('[data-action="resume"]', li).setAttribute('aria-label', `Resume the series to ${item.to}`);
  $('[data-action="end"]', li).hidden = item.status === 'ended' || confirming;
  $('[data-action="end"]', li).setAttribute('aria-label', `End the series to ${item.to}`);
  $('.confirm', li).hidden = !confirming;
  $('.confirm-question', li).textContent = `End the series to ${item.to}? Its waiting call is canceled and no more calls are made.`;
  if (open) {
    const calls = series.occurrences.get(item.id) ?? [];
    const list = $('.occurrence-list', li);
    list.replaceChildren(
      ...calls.map((call) =>
        el(
          'li',
          { className: 'occurrence', dataset: { id: call.id, status: call.status } },
          el('time', { datetime: call.at }, h.formatDateTime(call.at, { timeZone: item.timeZone })),
          el('span', { className: 'badge', dataset: { status: call.status } }, STATUS_LABELS[call.status] ?? call.status),
        ),
      ),
    );
    if (calls.length === 0) list.append(el('li', { className: 'occurrence empty-occurrence' }, 'No call yet: the first one is created shortly before it is due.'));
  }
}

/** Draws the list of series, newest first; rows are kept (not rebuilt) so that focus survives a live update. */
function renderSeries() {
  const section = $('#series-section');
  const list = $('#series-list');
  const items = [...series.byId.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  section.hidden = items.length === 0;
  const rows = new Map([...list.children].map((li) => [li.dataset.id, li]));
  for (const [id, li] of rows) if (!series.byId.has(id)) li.remove();
  let previous = null;
  for (const item of items) {
    let li = rows.get(item.id);
    if (li === undefined) li = createSeriesRow(item);
    updateSeriesRow(li, item);
    const wanted = previous === null ? list.firstElementChild : previous.nextElementSibling;
    if (wanted !== li) list.insertBefore(li, wanted);
    previous = li;
  }
}

/** Loads the page's list of series (`GET api/series`). */
export async function loadSeries() {
  try {
    const result = await h.api('api/series?limit=100');
    if (!result.ok) {
      // A server whose store has no recurring calls answers 501: the page then offers none.
      if (result.status === 501 || result.status === 404) disableRepeat();
      return;
    }
    series.byId = new Map(result.data.items.map((item) => [item.id, item]));
    renderSeries();
    // The calls of the open series and of the latest active ones (for their next call).
    const active = result.data.items.filter((item) => item.status === 'active').slice(0, 20).map((item) => item.id);
    await Promise.all([...new Set([...series.open, ...active])].map((id) => loadOccurrences(id)));
  } catch {
    // The live stream reconnects and loads again.
  }
}

function disableRepeat() {
  const select = $('#repeat');
  select.value = 'never';
  select.disabled = true;
  $('#repeat-hint').textContent = "This server's store has no recurring calls.";
  syncRepeat();
}

/** Loads a series with its latest occurrence calls (`GET api/series/{id}`). */
async function loadOccurrences(id) {
  const result = await h.api(`api/series/${encodeURIComponent(id)}?limit=20`);
  if (!result.ok) return;
  const { occurrences, occurrencesCursor: _cursor, ...item } = result.data;
  series.byId.set(id, item);
  // Earliest first, as a schedule reads.
  series.occurrences.set(id, [...occurrences].reverse());
  renderSeries();
}

function rowOf(target) {
  return target.closest('li.series');
}

async function command(li, action) {
  const id = li.dataset.id;
  const button = $(`[data-action="${action === 'cancel' ? 'confirm-end' : action}"]`, li);
  const waiting = (series.occurrences.get(id) ?? []).filter((call) => call.status === 'scheduled').length;
  const canceledText = waiting === 0 ? '' : waiting === 1 ? ' Its waiting call was canceled.' : ` Its ${waiting} waiting calls were canceled.`;
  showRowError(li, '');
  const send = async () => {
    const result = await h.api(`api/series/${encodeURIComponent(id)}/${action}`, { method: 'POST' });
    series.confirming.delete(id);
    if (!result.ok) {
      renderSeries();
      const current = result.data?.currentStatus;
      showRowError(li, current ? `The series is already ${SERIES_STATUS_LABELS[current]?.toLowerCase() ?? current}.` : h.problemText(result));
      return;
    }
    series.byId.set(id, result.data);
    await loadOccurrences(id);
    const item = series.byId.get(id) ?? result.data;
    const next = nextCallAt(item);
    const text =
      action === 'pause'
        ? `Paused the series to ${item.to}.${canceledText}`
        : action === 'resume'
          ? `Resumed the series to ${item.to}.${next ? ` Next call: ${h.formatDateTime(next, { timeZone: item.timeZone })}.` : ''}`
          : `Ended the series to ${item.to}: no more calls.${canceledText}`;
    series.notes.set(id, text);
    renderSeries();
    h.announce(text);
    const focusOn = action === 'pause' ? 'resume' : action === 'resume' ? 'pause' : 'occurrences';
    $(`[data-action="${focusOn}"]`, li)?.focus();
  };
  await whileBusy(button, send, (text) => showRowError(li, text));
}

function onSeriesListClick(event) {
  const button = event.target.closest('button[data-action]');
  const li = button === null ? null : rowOf(button);
  if (li === null) return;
  const id = li.dataset.id;
  switch (button.dataset.action) {
    case 'occurrences':
      if (series.open.has(id)) series.open.delete(id);
      else {
        series.open.add(id);
        void loadOccurrences(id);
      }
      renderSeries();
      break;
    case 'pause':
    case 'resume':
      void command(li, button.dataset.action);
      break;
    case 'end':
      series.confirming.add(id);
      series.notes.delete(id);
      renderSeries();
      $('[data-action="keep"]', li).focus();
      break;
    case 'keep':
      series.confirming.delete(id);
      renderSeries();
      $('[data-action="end"]', li).focus();
      break;
    case 'confirm-end':
      void command(li, 'cancel');
      break;
    default:
  }
}

// ------------------------------------------------------------------ live updates

/** Reloads the calls of the series in `ids` (open or not) a moment later, once for a burst of events. */
const refreshIds = new Set();
function refreshSoon(ids) {
  for (const id of ids) refreshIds.add(id);
  clearTimeout(series.refreshTimer);
  series.refreshTimer = setTimeout(() => {
    const due = [...refreshIds];
    refreshIds.clear();
    for (const id of due) void loadOccurrences(id);
  }, 150);
}

/** A `series:*` event from `GET api/events`: the series as it is now (and, for an occurrence, its call). */
export function onSeriesEvent(name, data) {
  if (!data || !data.series) return;
  series.byId.set(data.series.id, data.series);
  renderSeries();
  refreshSoon([data.series.id]);
  if (name === 'series:paused' || name === 'series:resumed' || name === 'series:ended') {
    h.announce(`Series to ${data.series.to}: ${SERIES_STATUS_LABELS[data.series.status].toLowerCase()}.`);
  }
}

/** A call changed: a series that lists it shows its new status (and its next call). */
export function onCallChanged(call) {
  const ids = [...series.occurrences].filter(([, calls]) => calls.some((c) => c.id === call.id)).map(([id]) => id);
  if (ids.length > 0) refreshSoon(ids);
}

/** Wires the Repeat fields and the list of series; `helpers` are the page's own. */
export function initSeries(helpers) {
  h = helpers;
  $('#repeat').addEventListener('change', syncRepeat);
  for (const input of [$('#repeat-time'), $('#cron'), ...document.querySelectorAll('input[name="repeat-day"]')]) {
    input.addEventListener('input', schedulePreview);
    input.addEventListener('change', schedulePreview);
  }
  $('#timeZone').addEventListener('change', schedulePreview);
  // The page's own "When" logic runs on the calling-hours box too: a series keeps its own fields.
  $('#tcpa').addEventListener('change', () => {
    if (repeating()) syncRepeat();
  });
  $('#series-list').addEventListener('click', onSeriesListClick);
  syncRepeat();
  void loadSeries();
}
