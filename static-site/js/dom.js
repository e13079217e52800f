// Page-level helpers: elements by id, DSFR alerts written in the page, the error title marker.
import { MESSAGES } from "./messages.js";

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) {
    throw new Error(`Missing element #${id}`);
  }
  return element;
}

/**
 * Fill and reveal a DSFR alert written in the page (its role, alert or status, is in the markup).
 * @param {HTMLElement} alert
 * @param {string} message
 * @param {{error?: boolean}} [options]
 */
export function showAlert(alert, message, options = {}) {
  const text = alert.querySelector("[data-alert-text]");
  if (text) {
    text.textContent = message;
  }
  alert.hidden = false;
  if (options.error) {
    markErrorTitle(true);
  }
}

/**
 * Show `message` in an error alert, or the generic message when the failure came without one.
 * @param {HTMLElement} alert
 * @param {string | null} message
 */
export function showErrorAlert(alert, message) {
  showAlert(alert, message || MESSAGES.unexpected, { error: true });
}

/** @param {HTMLElement} alert */
export function hideAlert(alert) {
  alert.hidden = true;
}

/**
 * Move the focus to an alert that replaces the form, so its text is read first.
 * @param {HTMLElement} alert
 */
export function focusAlert(alert) {
  alert.setAttribute("tabindex", "-1");
  alert.focus();
}

/**
 * Prefix the document title with « Erreur - » while errors are shown: the first thing a screen reader announces.
 * @param {boolean} on
 */
export function markErrorTitle(on) {
  const prefix = MESSAGES.errorTitlePrefix;
  const base = document.title.startsWith(prefix) ? document.title.slice(prefix.length) : document.title;
  document.title = on ? prefix + base : base;
}
