// What the calls (app.js) and the recurring calls (series.js) of the page share: building
// elements, the words for call statuses, the errors of a form or a row, the schedule form's
// calling hours and retries, and a button that waits for its request.

/** The first element that matches `selector` in `root`. */
export const $ = (selector, root = document) => root.querySelector(selector);

/** The word the page shows for each call status. */
export const STATUS_LABELS = {
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

/** Calling hours of 08:00 to 21:00 every day, in the call's time zone. */
const TCPA_WINDOW = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => [day, [{ start: '08:00', end: '21:00' }]]));

/** Builds an element; children are nodes or text (never parsed as HTML). */
export function el(tag, attributes = {}, ...children) {
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

/**
 * The end of a list row: the confirmation of its dangerous action (hidden; its `.confirm-question`
 * is filled in when it shows) with a `yes` button of data-action `action` and a `keep` button,
 * then the row's error line and the line that says what was done.
 */
export function rowEnd({ action, yes, keep }) {
  return [
    el(
      'div',
      { className: 'confirm', hidden: true },
      el('p', { className: 'confirm-question' }),
      el(
        'div',
        { className: 'actions' },
        el('button', { type: 'button', className: 'danger', dataset: { action } }, yes),
        el('button', { type: 'button', dataset: { action: 'keep' } }, keep),
      ),
    ),
    el('p', { className: 'row-error', role: 'alert', hidden: true }),
    el('p', { className: 'row-done', role: 'status' }),
  ];
}

/** Shows on the list row `li` its `status` (on the row, and on its badge as `label`) and the number `to`. */
export function showRowHead(li, { status, label, to }) {
  li.dataset.status = status;
  $('.number', li).textContent = to;
  const badge = $('.badge', li);
  badge.textContent = label;
  badge.dataset.status = status;
}

// ------------------------------------------------------------------ errors

/** Empties every error line of `form` and marks no field invalid. */
export function clearErrors(form) {
  for (const error of form.querySelectorAll('.error, .form-error')) {
    error.textContent = '';
    error.hidden = true;
  }
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

/** Adds `message` under `field` of `form` and marks its inputs invalid; false when the form has no such field. */
export function showFieldError(form, field, message) {
  const error = form.querySelector(`#${field}-error`) ?? form.querySelector(`[data-error-for="${field}"]`);
  if (error === null) return false;
  error.textContent = error.textContent ? `${error.textContent} ${message}` : message;
  error.hidden = false;
  const container = error.closest('.field');
  for (const input of container?.querySelectorAll('input, select') ?? []) input.setAttribute('aria-invalid', 'true');
  return true;
}

/** Adds `message` to the error line of the whole `form`. */
export function showFormError(form, message) {
  const error = form.querySelector('.form-error');
  error.textContent = error.textContent ? `${error.textContent} ${message}` : message;
  error.hidden = false;
}

/** Shows `message` on the error line of the list row `li` (an empty message hides the line). */
export function showRowError(li, message) {
  const error = $('.row-error', li);
  error.textContent = message;
  error.hidden = message === '';
}

// ------------------------------------------------------------------ sending

/**
 * Runs `request` with `button` disabled and busy until it settles; when the server cannot be
 * reached, `unreachable` gets a sentence that says so.
 */
export async function whileBusy(button, request, unreachable) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await request();
  } catch (error) {
    unreachable(`Cannot reach the server (${error.message}).`);
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** The calling hours and retries chosen on the schedule form, or null (the field marked) when the retries are not valid. */
function policiesOf(form) {
  const policies = {};
  if ($('#tcpa').checked) policies.window = TCPA_WINDOW;
  const retries = Number($('#retries').value);
  if (retries > 0) {
    const minutes = Number($('#retryMinutes').value);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
      showFieldError(form, 'retry', 'Minutes between tries must be a whole number from 1 to 1440.');
      $('#more').open = true;
      return null;
    }
    const rule = { delaysMs: [minutes * 60_000], maxAttempts: retries + 1 };
    policies.retry = { busy: rule, 'no-answer': rule };
  }
  return policies;
}

/**
 * Sends the schedule `form` (a call or a series): adds its calling hours and retries to `body`,
 * then runs `send(body)` with the form's button busy. When the retries or the fields checked
 * before (`invalid`) are not valid, it focuses the first invalid field and sends nothing.
 */
export async function sendScheduleForm(form, body, invalid, send) {
  const policies = policiesOf(form);
  if (policies !== null) Object.assign(body, policies);
  if (invalid || policies === null) {
    form.querySelector('[aria-invalid="true"]')?.focus();
    return;
  }
  await whileBusy($('#schedule-button'), () => send(body), (text) => showFormError(form, `${text} Is it still running?`));
}
