// Form helpers: DSFR field errors, how a failed API answer is shown, submit guard.
//
// Markup convention for a field named `x` (the API field name):
//   <div class="fr-input-group" id="x-group"> ... <input id="x" aria-describedby="x-messages ...">
//   <div class="fr-messages-group" id="x-messages" aria-live="polite"></div> ... </div>
import { byId, markErrorTitle, showErrorAlert } from "./dom.js";

const GROUP_ERROR = "fr-input-group--error";

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
  const text = document.createElement("p");
  text.className = "fr-error-text";
  text.id = `${id}-error`;
  text.textContent = message;
  messages.replaceChildren(text);
  return true;
}

/**
 * Show field errors, focus the first field in error and return the messages that have no field.
 * @param {HTMLFormElement} form
 * @param {Record<string, string>} errors
 * @returns {string[]}
 */
export function showFieldErrors(form, errors) {
  const unplaced = [];
  for (const [field, message] of Object.entries(errors)) {
    const input = document.getElementById(field);
    if (!input || !form.contains(input) || !setFieldError(field, message)) {
      unplaced.push(message);
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
  const unplaced = result.errors ? showFieldErrors(form, result.errors) : [];
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
  }
  for (const text of form.querySelectorAll(".fr-error-text")) {
    text.remove();
  }
  markErrorTitle(false);
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
