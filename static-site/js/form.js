// Form helpers: DSFR field errors (kept in step with the fields as they are edited), how a failed
// API answer is shown, submit guard.
//
// Markup convention for a field named `x` (the API field name):
//   <div class="fr-input-group" id="x-group"> ... <input id="x" aria-describedby="x-messages ...">
//   <div class="fr-messages-group" id="x-messages" aria-live="polite"></div> ... </div>
import { byId, markErrorTitle, showErrorAlert } from "./dom.js";

const GROUP_ERROR = "fr-input-group--error";

/**
 * The fields showing an error the API gave (not one of the page's own checks): such an error stays
 * until the person edits its field, whatever the other fields do.
 * @type {WeakSet<Element>}
 */
const apiErrorFields = new WeakSet();

/**
 * Client-side errors of a form by field id (the API field name), the very ones its submit shows.
 * @typedef {() => Record<string, string>} FormCheck
 */

/**
 * Show `message` under the field `id`; false when the page has no such field.
 * @param {string} id
 * @param {string} message
 */
export function setFieldError(id, message) {
  const input = document.getElementById(id);
  const group = document.getElementById(`${id}-group`);
  const messages = document.getElementById(`${id}-messages`);
  if (!input || !group || !messages) {
    return false;
  }
  group.classList.add(GROUP_ERROR);
  input.setAttribute("aria-invalid", "true");
  apiErrorFields.delete(input);
  const current = document.getElementById(`${id}-error`);
  if (current && messages.contains(current) && current.textContent === message) {
    // The same message again: left as is, so that the live region does not announce it twice.
    return true;
  }
  const text = document.createElement("p");
  text.className = "fr-error-text";
  text.id = `${id}-error`;
  text.textContent = message;
  messages.replaceChildren(text);
  return true;
}

/**
 * Remove the error shown under the field `id`, if any.
 * @param {string} id
 */
export function clearFieldError(id) {
  const input = document.getElementById(id);
  const group = document.getElementById(`${id}-group`);
  const text = document.getElementById(`${id}-error`);
  if (group) {
    group.classList.remove(GROUP_ERROR);
  }
  if (input) {
    input.removeAttribute("aria-invalid");
    apiErrorFields.delete(input);
  }
  if (text && text.classList.contains("fr-error-text")) {
    text.remove();
  }
}

/**
 * Show field errors, focus the first field in error and return the messages that have no field.
 * @param {HTMLFormElement} form
 * @param {Record<string, string>} errors
 * @param {{fromApi?: boolean}} [options] fromApi: the API's errors, kept until their field is edited.
 * @returns {string[]}
 */
export function showFieldErrors(form, errors, options = {}) {
  const unplaced = [];
  for (const [field, message] of Object.entries(errors)) {
    const input = document.getElementById(field);
    if (!input || !form.contains(input) || !setFieldError(field, message)) {
      unplaced.push(message);
    } else if (options.fromApi) {
      apiErrorFields.add(input);
    }
  }
  markErrorTitle(true);
  const first = form.querySelector("[aria-invalid='true']");
  if (first instanceof HTMLElement) {
    first.focus();
  }
  return unplaced;
}

/**
 * Show the failed API answer to a form, the same way on every page: each field error under its
 * field, and the answer's message with the errors no field of `form` can show in the error `alert`
 * (the generic message when the answer says nothing at all).
 * @param {HTMLFormElement} form
 * @param {HTMLElement} alert
 * @param {import("./api.js").ApiResult} result
 */
export function showApiErrors(form, alert, result) {
  const unplaced = result.errors ? showFieldErrors(form, result.errors, { fromApi: true }) : [];
  const message = [result.message, ...unplaced].filter(Boolean).join(" ");
  if (message || !result.errors) {
    showErrorAlert(alert, message);
  }
}

/** @param {HTMLFormElement} form */
export function clearFieldErrors(form) {
  for (const group of form.querySelectorAll(`.${GROUP_ERROR}`)) {
    group.classList.remove(GROUP_ERROR);
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    apiErrorFields.delete(input);
  }
  for (const text of form.querySelectorAll(".fr-error-text")) {
    text.remove();
  }
  markErrorTitle(false);
}

/**
 * Keep the errors of `form` in step with its fields between two submits, with the form's own checks:
 * - as the person types, an error goes as soon as its field passes its check (an error of the API,
 *   once its field is edited and passes);
 * - when a field loses the focus after a submit attempt, its error is shown again, or updated, if it
 *   fails its check, and removed if it passes. Before the first submit, nothing is shown.
 * The « Erreur - » prefix of the title goes with the last error of the page.
 * @param {HTMLFormElement} form
 * @param {FormCheck} check
 */
export function checkWhileEditing(form, check) {
  let attempted = false;
  form.addEventListener("submit", () => {
    attempted = true;
  });
  // form.reset() after a success: a new, untouched form.
  form.addEventListener("reset", () => {
    attempted = false;
    clearFieldErrors(form);
    syncErrorTitle();
  });
  form.addEventListener("input", (event) => {
    const inError = [...form.querySelectorAll("[aria-invalid='true']")];
    if (!inError.length) {
      return;
    }
    const errors = check();
    for (const input of inError) {
      // A field passing its check loses its error; another field's API error waits for its own edit.
      if (input.id && !errors[input.id] && (input === event.target || !apiErrorFields.has(input))) {
        clearFieldError(input.id);
      }
    }
    syncErrorTitle();
  });
  form.addEventListener("focusout", (event) => {
    const input = event.target;
    if (!attempted || !(input instanceof HTMLInputElement) || !input.id) {
      return;
    }
    const message = check()[input.id];
    if (message) {
      if (setFieldError(input.id, message)) {
        markErrorTitle(true);
      }
    } else if (input.getAttribute("aria-invalid") === "true" && !apiErrorFields.has(input)) {
      clearFieldError(input.id);
      syncErrorTitle();
    }
  });
}

/** Keep the « Erreur - » title prefix only while the page shows an error: a field in error or an error alert. */
function syncErrorTitle() {
  markErrorTitle(Boolean(document.querySelector(`.${GROUP_ERROR}, [role='alert']:not([hidden])`)));
}

/**
 * A FormCheck made of one check per field, on the trimmed value of each (see trimmedValue()).
 * @param {Record<string, (value: string) => string | null>} checks French error for a value, or null.
 * @returns {FormCheck}
 */
export function fieldChecks(checks) {
  return () => {
    /** @type {Record<string, string>} */
    const errors = {};
    for (const [field, fieldCheck] of Object.entries(checks)) {
      const error = fieldCheck(trimmedValue(field));
      if (error) {
        errors[field] = error;
      }
    }
    return errors;
  };
}

/**
 * Run `handler` on submit, once at a time; the button keeps its focus (aria-disabled, not disabled).
 * @param {HTMLFormElement} form
 * @param {() => Promise<void>} handler
 */
export function onSubmit(form, handler) {
  let busy = false;
  const buttons = form.querySelectorAll("button[type='submit']");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) {
      return;
    }
    busy = true;
    for (const button of buttons) {
      button.setAttribute("aria-disabled", "true");
    }
    try {
      await handler();
    } finally {
      busy = false;
      for (const button of buttons) {
        button.removeAttribute("aria-disabled");
      }
    }
  });
}

/** Trimmed value of a text input. @param {string} id */
export function trimmedValue(id) {
  const input = byId(id);
  return input instanceof HTMLInputElement ? input.value.trim() : "";
}
